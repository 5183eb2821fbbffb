// Runs `fn` at most once per `ms` while calls keep coming, `ms` after the first call of a burst: a
// refresh that events ask for keeps up with them, where a debounce restarted by each event would
// wait until they stop (destination counts froze while messages flowed).

export interface Throttled {
  (): void;
  cancel(): void;
}

export function throttle(fn: () => void, ms: number): Throttled {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const call = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
  return Object.assign(call, {
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  });
}
