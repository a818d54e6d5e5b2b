import Link from "next/link";
import { cn } from "./ui/cn";

const TABS = [
  { href: "/settings", label: "Ingest tokens" },
  { href: "/settings/guardrails", label: "Guardrail rules" },
  { href: "/settings/notifications", label: "Notifications" },
];

export function SettingsNav({ current }: { current: string }) {
  return (
    <nav className="flex gap-1 border-b border-slate-200" aria-label="Settings">
      {TABS.map((t) => (
        <Link key={t.href} href={t.href} aria-current={current === t.href ? "page" : undefined}
          className={cn("-mb-px border-b-2 px-4 py-2 text-sm font-medium", current === t.href ? "border-brand-600 text-brand-700" : "border-transparent text-slate-500 hover:text-slate-800")}>
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
