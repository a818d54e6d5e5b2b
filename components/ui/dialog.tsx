"use client";

import { useEffect, useRef, type KeyboardEvent, type ReactNode } from "react";
import { cn } from "./cn";

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * The one modal of the console, on the native <dialog> element (Esc, backdrop and
 * an inert page come from the browser). Tab and Shift+Tab cycle inside it, so
 * focus never leaves an open dialog. Its layout does not inherit from where it
 * is rendered (e.g. a right-aligned table cell): title, body, then the buttons.
 * `placement="left"` makes it a drawer (the mobile navigation).
 */
export function Dialog({ open, onClose, title, children, labelledBy, placement = "center" }: {
  open: boolean;
  onClose: () => void;
  title: string;
  children: ReactNode;
  labelledBy?: string;
  placement?: "center" | "left";
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  const id = labelledBy ?? `dialog-${title.replace(/\W+/g, "-").toLowerCase()}`;
  function trap(e: KeyboardEvent<HTMLDialogElement>) {
    if (e.key !== "Tab" || !ref.current) return;
    const items = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null || el === document.activeElement);
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && (document.activeElement === first || !ref.current.contains(document.activeElement))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  }
  return (
    <dialog
      ref={ref}
      aria-labelledby={id}
      onClose={onClose}
      onCancel={onClose}
      onKeyDown={trap}
      className={cn(
        "fixed bg-white p-0 text-left text-slate-900 shadow-xl ring-1 ring-slate-200 backdrop:bg-slate-900/40",
        placement === "left"
          ? "m-0 h-full max-h-none w-72 max-w-[85vw]"
          : "m-auto w-[calc(100%-2rem)] max-w-lg rounded-xl",
      )}
    >
      {open ? (
        <div className="p-5 sm:p-6">
          <h2 id={id} className="pr-8 text-base font-semibold text-slate-900">{title}</h2>
          <div className="mt-3">{children}</div>
          {/* last in the tab order, so the first field gets the focus when the dialog opens */}
          <button type="button" onClick={onClose} className="absolute right-3 top-3 rounded-md px-2 py-1 text-lg leading-none text-slate-500 hover:bg-slate-100 hover:text-slate-800">
            <span aria-hidden>×</span><span className="sr-only">Close dialog</span>
          </button>
        </div>
      ) : null}
    </dialog>
  );
}
