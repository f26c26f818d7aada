// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// jsdom has no canvas; @grafana/ui measures text with a 2D context (Combobox, time picker), and the
// timeline's minimap draws rectangles (what it draws is checked in the browser tests).
HTMLCanvasElement.prototype.getContext = () => ({
  measureText: (text) => ({ width: String(text).length * 7 }),
  font: '',
  fillStyle: '',
  clearRect: () => {},
  fillRect: () => {},
});

// jsdom has no ResizeObserver; components only need it to exist.
class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
global.ResizeObserver = global.ResizeObserver ?? ResizeObserverStub;
