/**
 * A minimal AsyncLocalStorage context manager for tests. OpenTelemetry's API
 * defaults to a no-op manager, under which `context.with` does nothing, so
 * suppressTracing cannot be observed without one.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

class TestContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }

  bind<T>(_ctx: Context, target: T): T {
    return target;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}

/** Installs a real context manager globally; returns the function that removes it. */
export function installContextManager(): () => void {
  const manager = new TestContextManager();
  context.setGlobalContextManager(manager);
  return () => context.disable();
}
