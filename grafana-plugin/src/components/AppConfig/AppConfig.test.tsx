import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { of } from 'rxjs';
import { PluginType } from '@grafana/data';
import AppConfig, { type AppConfigProps, validateConfig } from './AppConfig';
import { testIds } from '../testIds';

const fetchMock = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: fetchMock }),
}));

function props(meta: Partial<AppConfigProps['plugin']['meta']>): AppConfigProps {
  return {
    plugin: {
      meta: { id: 'xray-decisions-app', name: 'X-Ray', type: PluginType.app, enabled: true, jsonData: {}, ...meta },
    },
    query: {},
  } as unknown as AppConfigProps;
}

describe('AppConfig', () => {
  beforeEach(() => fetchMock.mockReset());

  it('shows a stored key only as configured, never its value', () => {
    render(
      <AppConfig
        {...props({ jsonData: { collectorUrl: 'http://collector:4318' }, secureJsonFields: { apiKey: true } })}
      />
    );
    expect(screen.getByTestId(testIds.appConfig.collectorUrl)).toHaveValue('http://collector:4318');
    expect(screen.getByTestId(testIds.appConfig.apiKey)).toHaveValue('configured');
    expect(screen.getByRole('button', { name: 'Reset' })).toBeInTheDocument();
  });

  it('sends the key in secureJsonData only when a new one was entered', async () => {
    fetchMock.mockReturnValue(of({ data: {} }));
    const reload = jest.fn();
    Object.defineProperty(window, 'location', { value: { ...window.location, reload }, writable: true });
    render(<AppConfig {...props({})} />);
    fireEvent.change(screen.getByTestId(testIds.appConfig.collectorUrl), {
      target: { value: 'http://collector:4318/' },
    });
    fireEvent.change(screen.getByTestId(testIds.appConfig.apiKey), { target: { value: 'xr_abcdefghijklmnop1234' } });
    fireEvent.click(screen.getByTestId(testIds.appConfig.submit));
    await screen.findByTestId(testIds.appConfig.submit);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(fetchMock).toHaveBeenCalledWith(
      expect.objectContaining({
        url: '/api/plugins/xray-decisions-app/settings',
        method: 'POST',
        data: expect.objectContaining({
          enabled: true,
          jsonData: { collectorUrl: 'http://collector:4318' },
          secureJsonData: { apiKey: 'xr_abcdefghijklmnop1234' },
        }),
      })
    );
  });

  it('explains what is wrong instead of saving', () => {
    expect(validateConfig({ collectorUrl: 'collector', apiKey: '', isApiKeySet: false })).toEqual({
      collectorUrl: expect.stringContaining('base URL'),
      apiKey: expect.stringContaining('xr_'),
    });
    expect(validateConfig({ collectorUrl: 'https://x.example', apiKey: '', isApiKeySet: true })).toEqual({});
  });
});
