// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// jsdom has no canvas; @grafana/ui measures text with a 2D context (Combobox, time picker).
HTMLCanvasElement.prototype.getContext = () => ({
  measureText: (text) => ({ width: String(text).length * 7 }),
  font: '',
});

// jsdom has no ResizeObserver; components only need it to exist.
class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
global.ResizeObserver = global.ResizeObserver ?? ResizeObserverStub;
