/**
 * Starts a browser download of a URL (through Grafana's plugin proxy, so the
 * session cookie authenticates it and the browser streams the file to disk
 * without the page holding it). The anchor is never attached to the
 * document: Grafana handles clicks on same-origin links as in-app
 * navigation, and a detached anchor's click never reaches that handler.
 */
export function startDownload(url: string, filename?: string): void {
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename ?? '';
  anchor.rel = 'noopener';
  anchor.click();
}
