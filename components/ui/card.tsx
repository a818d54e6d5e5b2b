import type { ReactNode } from "react";
import { cn } from "./cn";

export function Card({ children, className }: { children: ReactNode; className?: string }) {
  return <section className={cn("rounded-xl bg-white shadow-sm ring-1 ring-slate-200", className)}>{children}</section>;
}

export function CardHeader({ title, description, actions }: { title: ReactNode; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="flex items-start justify-between gap-4 border-b border-slate-100 px-5 py-4">
      <div>
        <h2 className="text-sm font-semibold text-slate-900">{title}</h2>
        {description ? <p className="mt-0.5 text-sm text-slate-500">{description}</p> : null}
      </div>
      {actions ? <div className="flex shrink-0 items-center gap-2">{actions}</div> : null}
    </div>
  );
}

export function CardBody({ children, className, focusable, label }: { children: ReactNode; className?: string; focusable?: boolean; label?: string }) {
  // A body that scrolls is focusable so keyboard users can scroll it.
  return focusable
    ? <div className={cn("px-5 py-4", className)} tabIndex={0} role="region" aria-label={label}>{children}</div>
    : <div className={cn("px-5 py-4", className)}>{children}</div>;
}
