"use client";

import { useRouter } from "next/navigation";
import { startTransition, useEffect, useState } from "react";

const RETRY_SECONDS = 5;

// Error boundary for every page, including the dashboard layout (whose session
// lookup needs the database). In production the server's message is hidden from
// the browser, so this cannot tell a database outage from another failure; the
// usual cause is the database restarting, so it says so and retries by itself.
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const router = useRouter();
  const [left, setLeft] = useState(RETRY_SECONDS);

  useEffect(() => {
    const tick = setInterval(() => setLeft((s) => (s > 1 ? s - 1 : RETRY_SECONDS)), 1000);
    const retry = setInterval(() => startTransition(() => {
      router.refresh();
      reset();
    }), RETRY_SECONDS * 1000);
    return () => {
      clearInterval(tick);
      clearInterval(retry);
    };
  }, [router, reset]);

  return (
    <div role="alert" data-testid="page-error" className="mx-auto mt-16 max-w-lg rounded-xl bg-white p-6 text-sm text-slate-700 shadow-sm ring-1 ring-slate-200">
      <h1 className="text-base font-semibold text-slate-900">This page could not be loaded</h1>
      <p className="mt-2">
        The database may be unreachable or restarting. Nothing you did was lost: changes are only saved when the console confirms them.
      </p>
      <p className="mt-2 text-slate-500" aria-live="polite">
        Retrying in {left} s{error.digest ? ` · reference ${error.digest}` : ""}.
      </p>
      <button
        type="button"
        onClick={() => startTransition(() => { router.refresh(); reset(); })}
        className="mt-4 rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700"
      >
        Retry now
      </button>
    </div>
  );
}
