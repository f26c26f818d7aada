/** The app's pages under /a/xray-decisions-app/. */
import React from 'react';
import { Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { ROUTES } from '../../constants';

const Overview = React.lazy(() => import('../../pages/Overview'));
const Executions = React.lazy(() => import('../../pages/Executions'));
const Execution = React.lazy(() => import('../../pages/Execution'));
const Compare = React.lazy(() => import('../../pages/Compare'));

function App(_props: AppRootProps) {
  return (
    <Routes>
      <Route path={ROUTES.Executions} element={<Executions />} />
      <Route path={`${ROUTES.Executions}/:executionId`} element={<Execution />} />
      <Route path={ROUTES.Compare} element={<Compare />} />
      {/* Default page */}
      <Route path="*" element={<Overview />} />
    </Routes>
  );
}

export default App;
