"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { z } from "zod";

// The CSP allows no eval: zod's compiled fast path probes `new Function("")`, which
// the browser reports as a violation. In the browser zod runs without it.
z.config({ jitless: true });

export function Providers({ children }: { children: ReactNode }) {
  // One client per browser tab, created on first render (not shared between requests).
  const [client] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 2_000, refetchOnWindowFocus: true, retry: 2 } } }),
  );
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
