/**
 * The size of an element, kept up to date with a ResizeObserver; panels and
 * the trace view need pixel sizes. Falls back to the initial size where
 * ResizeObserver does not exist (jsdom).
 */
import { useEffect, useRef, useState } from 'react';

export function useElementSize<T extends HTMLElement>(initial = { width: 800, height: 300 }) {
  const ref = useRef<T>(null);
  const [size, setSize] = useState(initial);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(([entry]) => {
      const { width, height } = entry.contentRect;
      setSize((previous) =>
        Math.round(width) === previous.width && Math.round(height) === previous.height
          ? previous
          : { width: Math.round(width), height: Math.round(height) }
      );
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, size] as const;
}
