/**
 * jsdom lays nothing out (every element is 0×0), so virtualized lists would
 * show no rows. Tests of such components give elements a size.
 */
export function giveElementsASize(width = 1200, height = 800): () => void {
  const rect = jest.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockReturnValue({
    width,
    height,
    top: 0,
    left: 0,
    right: width,
    bottom: height,
    x: 0,
    y: 0,
    toJSON: () => ({}),
  } as DOMRect);
  const offsetHeight = jest.spyOn(HTMLElement.prototype, 'offsetHeight', 'get').mockReturnValue(height);
  const offsetWidth = jest.spyOn(HTMLElement.prototype, 'offsetWidth', 'get').mockReturnValue(width);
  const clientHeight = jest.spyOn(Element.prototype, 'clientHeight', 'get').mockReturnValue(height);
  const clientWidth = jest.spyOn(Element.prototype, 'clientWidth', 'get').mockReturnValue(width);
  return () => {
    clientHeight.mockRestore();
    clientWidth.mockRestore();
    rect.mockRestore();
    offsetHeight.mockRestore();
    offsetWidth.mockRestore();
  };
}
