/**
 * When a failed delivery is tried again: exponential backoff with full
 * jitter (a uniformly random wait between 0 and min(cap, base * 2^(n-1))),
 * so receivers coming back from an outage are not hit by every sender at
 * the same instant, and when to give up (attempts or age).
 */

export interface RetryPolicy {
  /** The ceiling of the first retry's wait; doubles per attempt. */
  baseMillis: number;
  /** The largest ceiling. */
  maxMillis: number;
  /** Attempts in all (the first included) before a delivery is given up. */
  maxAttempts: number;
  /** Age after which a delivery is given up, whatever its attempts. */
  maxAgeMillis: number;
}

/**
 * The wait before the next attempt after `attempts` failed ones (1 or more).
 *
 * @example
 * backoffMillis(3, { baseMillis: 1000, maxMillis: 60_000 }, () => 0.5); // 2000 (half of 4000)
 */
export function backoffMillis(attempts: number, policy: Pick<RetryPolicy, 'baseMillis' | 'maxMillis'>, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempts, 1) - 1, 40);
  const ceiling = Math.min(policy.maxMillis, policy.baseMillis * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/**
 * When to try again after a failed attempt, or undefined to give up.
 *
 * @example
 * nextAttemptAt({ attempts: 1, createdAtMillis: t0 }, policy, t0 + 50); // t0 + 50 + a random wait
 */
export function nextAttemptAt(
  delivery: { attempts: number; createdAtMillis: number },
  policy: RetryPolicy,
  nowMillis: number,
  random: () => number = Math.random,
): number | undefined {
  if (delivery.attempts >= policy.maxAttempts) return undefined;
  const at = nowMillis + backoffMillis(delivery.attempts, policy, random);
  return at - delivery.createdAtMillis > policy.maxAgeMillis ? undefined : at;
}
