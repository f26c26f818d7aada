import { reconnectDelayMillis } from './reconnect';

describe('reconnectDelayMillis', () => {
  it('doubles per failure in a row from the base, capped, with jitter of ±25%', () => {
    expect([1, 2, 3, 4].map((n) => reconnectDelayMillis(n, { random: 0.5 }))).toEqual([2000, 4000, 8000, 16000]);
    expect(reconnectDelayMillis(10, { random: 0.5 })).toBe(30000);
    expect(reconnectDelayMillis(1, { random: 0 })).toBe(1500);
    expect(reconnectDelayMillis(1, { random: 1 })).toBe(2500);
    expect(reconnectDelayMillis(10, { random: 1 })).toBe(30000);
    expect(reconnectDelayMillis(1, { random: 0.5, baseMillis: 100, maxMillis: 150 })).toBe(100);
  });
});
