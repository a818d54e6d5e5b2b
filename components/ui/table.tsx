import type { ReactNode, TdHTMLAttributes, ThHTMLAttributes } from "react";
import { cn } from "./cn";

/** A table that scrolls sideways inside its card on narrow screens (focusable, so keyboards can scroll it too).
 *  `relative` makes the scroller the containing block of absolutely positioned content (sr-only labels),
 *  which would otherwise stick out of it and widen the page. */
export function Table({ children, className, label = "Table" }: { children: ReactNode; className?: string; label?: string }) {
  return (
    <div className={cn("relative overflow-x-auto", className)} tabIndex={0} role="region" aria-label={label}>
      <table className="min-w-full divide-y divide-slate-200 text-sm">{children}</table>
    </div>
  );
}

export function Th({ className, ...props }: ThHTMLAttributes<HTMLTableCellElement>) {
  return <th scope="col" className={cn("bg-slate-50 px-4 py-2.5 text-left text-xs font-semibold uppercase tracking-wide text-slate-500", className)} {...props} />;
}

export function Td({ className, ...props }: TdHTMLAttributes<HTMLTableCellElement>) {
  return <td className={cn("px-4 py-3 align-middle text-slate-700", className)} {...props} />;
}
