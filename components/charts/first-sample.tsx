"use client";

import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";

/** Empty state: how to send the first sample, as a curl the user can copy. */
export function FirstSample({ migrationKey, workspaceSlug }: { migrationKey: string; workspaceSlug?: string }) {
  const [origin, setOrigin] = useState("https://rollout.example.com");
  const [copied, setCopied] = useState(false);
  // The page's own origin is only known in the browser.
  // eslint-disable-next-line react-hooks/set-state-in-effect
  useEffect(() => setOrigin(window.location.origin), []);
  const sample = JSON.stringify([{ workspace: workspaceSlug ?? "<workspace-slug>", migration: migrationKey, variant: "new", metric: "latency_ms", value: 123 }]);
  const curl = [
    `curl -X POST ${origin}/api/v1/metrics \\`,
    `  -H "Authorization: Bearer $ROLLOUT_INGEST_TOKEN" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '${sample}'`,
  ].join("\n");
  async function copy() {
    await navigator.clipboard.writeText(curl);
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  }
  return (
    <div className="px-5 py-8" data-testid="telemetry-empty">
      <p className="text-sm font-semibold text-slate-900">No telemetry yet</p>
      <p className="mt-1 max-w-2xl text-sm text-slate-600">
        Your services report how the old and the new system behave. Create an ingest token in{" "}
        <a className="text-brand-600 hover:underline" href="/settings">Settings</a>, then send samples (latency_ms, error 0/1,
        success 0/1 or any custom metric) in batches of up to 5 000. They appear here within seconds.
      </p>
      <div className="relative mt-4 max-w-3xl">
        <pre className="overflow-x-auto rounded-lg bg-slate-900 p-4 pr-20 text-xs leading-relaxed text-slate-100"><code>{curl}</code></pre>
        <Button size="sm" variant="secondary" className="absolute right-2 top-2" onClick={copy}>{copied ? "Copied" : "Copy"}</Button>
      </div>
    </div>
  );
}
