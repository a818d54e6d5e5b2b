"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useRef, useState, useTransition, type ReactNode } from "react";
import { cn } from "./cn";

/**
 * Filters kept in the URL: selects apply on change, the search applies as you
 * type (debounced), and every change goes back to page 1. One compact row that
 * wraps on small screens.
 */
export function useUrlFilters() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, start] = useTransition();
  const set = (patch: Record<string, string>) => {
    const next = new URLSearchParams(params.toString());
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    next.delete("page");
    const qs = next.toString();
    start(() => router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false }));
  };
  return { set, pending, params };
}

export function FilterBar({ children, className, testId, busy }: { children: ReactNode; className?: string; testId?: string; busy?: boolean }) {
  return (
    <div role="search" aria-busy={busy || undefined} data-testid={testId} className={cn("flex flex-wrap items-center gap-2 border-b border-slate-100 px-4 py-2.5", className)}>
      {children}
    </div>
  );
}

const compact = "h-8 rounded-md border-0 bg-white py-1 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-inset focus:ring-brand-500";

export function FilterSelect({ label, value, onChange, children, className }: { label: string; value: string; onChange: (v: string) => void; children: ReactNode; className?: string }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)} className={cn(compact, "max-w-full pl-2.5 pr-8", className)}>
      {children}
    </select>
  );
}

/** A search box that applies as you type, 250 ms after the last key. */
export function SearchBox({ label, value, onSearch, placeholder, className }: { label: string; value: string; onSearch: (v: string) => void; placeholder?: string; className?: string }) {
  const [text, setText] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const last = useRef(value);
  useEffect(() => () => { if (timer.current) clearTimeout(timer.current); }, []);
  return (
    <input
      type="search"
      aria-label={label}
      placeholder={placeholder}
      value={text}
      onChange={(e) => {
        const v = e.target.value;
        setText(v);
        if (timer.current) clearTimeout(timer.current);
        timer.current = setTimeout(() => {
          if (v.trim() !== last.current) {
            last.current = v.trim();
            onSearch(v.trim());
          }
        }, 250);
      }}
      className={cn(compact, "w-full px-2.5 placeholder:text-slate-400 sm:w-52", className)}
    />
  );
}
