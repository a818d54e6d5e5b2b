"use client";

import { useState } from "react";
import { Dialog } from "./ui/dialog";
import { NavLinks } from "./nav-links";

/** Below the md breakpoint the sidebar is hidden: a menu button opens the same links in a dialog. */
export function MobileNav() {
  const [open, setOpen] = useState(false);
  return (
    <div className="md:hidden">
      <button
        type="button"
        onClick={() => setOpen(true)}
        aria-expanded={open}
        aria-controls="mobile-nav"
        className="inline-flex h-9 w-9 items-center justify-center rounded-md text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50"
      >
        <span className="sr-only">Menu</span>
        <svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true"><path d="M2 4h14M2 9h14M2 14h14" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" /></svg>
      </button>
      <Dialog open={open} onClose={() => setOpen(false)} title="Navigation" placement="left">
        {/* a followed link closes the menu */}
        <div id="mobile-nav" className="-mx-3" onClick={(e) => { if ((e.target as HTMLElement).closest("a")) setOpen(false); }}><NavLinks /></div>
      </Dialog>
    </div>
  );
}
