import type { ReactNode } from "react";
import { Logo } from "@/components/logo";
import { signOut, signOutEverywhere } from "@/app/(auth)/login/actions";
import { Badge } from "@/components/ui/badge";
import { NavLinks } from "@/components/nav-links";
import { MobileNav } from "@/components/mobile-nav";
import { requireSession } from "@/lib/auth/session";

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const session = await requireSession();
  return (
    <div className="flex min-h-full">
      <aside className="hidden w-56 shrink-0 flex-col border-r border-slate-200 bg-white md:flex">
        <div className="flex h-14 items-center gap-2 border-b border-slate-100 px-4">
          <Logo />
          <span className="text-sm font-semibold text-slate-900">Rollout Console</span>
        </div>
        <NavLinks />
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex h-14 items-center justify-end gap-3 border-b border-slate-200 bg-white px-4 sm:px-6">
          <div className="mr-auto flex items-center gap-2 md:hidden">
            <MobileNav />
            <Logo />
          </div>
          <span className="min-w-0 truncate text-sm text-slate-600" data-testid="current-user">{session.email}</span>
          <Badge tone={session.role === "admin" ? "violet" : session.role === "operator" ? "blue" : "neutral"}>
            {session.role ?? "no access"}
          </Badge>
          <form action={signOutEverywhere}>
            <button type="submit" title="End your sessions on every device" aria-label="Sign out everywhere" className="whitespace-nowrap rounded-md px-2 py-1 text-sm text-slate-500 hover:bg-slate-100 hover:text-slate-900">
              <span className="sm:hidden">Sign out all</span>
              <span className="hidden sm:inline">Sign out everywhere</span>
            </button>
          </form>
          <form action={signOut}>
            <button type="submit" className="whitespace-nowrap rounded-md px-2 py-1 text-sm text-slate-600 hover:bg-slate-100 hover:text-slate-900">
              Sign out
            </button>
          </form>
        </header>
        <main className="min-w-0 flex-1 px-3 py-4 sm:px-6 sm:py-6">
          {session.role ? children : (
            <div className="mx-auto max-w-lg rounded-xl bg-white p-6 text-sm text-slate-600 shadow-sm ring-1 ring-slate-200">
              You are signed in as {session.email} but are not a member of this console. Ask an admin to add you.
            </div>
          )}
        </main>
      </div>
    </div>
  );
}
