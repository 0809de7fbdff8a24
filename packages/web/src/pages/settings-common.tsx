// Pieces shared by the organization settings pages: who may change things, an inline confirmation that keeps
// keyboard focus where the user is, and copying one-time secrets.
import { useEffect, useId, useRef, useState } from "react";
import type { ReactNode, RefObject } from "react";
import { ApiError } from "../api/client";
import type { Role } from "../api/types";
import { ErrorView } from "../components/States";
import { useSession } from "../session";
import "./settings.css";

export function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** A form's failure: the server's answer with advice, or a plain sentence for what the page itself refused. */
export function FormError({ error }: { readonly error: Error | null }) {
  if (error === null) return null;
  if (error instanceof ApiError) return <ErrorView error={error} />;
  return (
    <p className="field-error" role="alert">
      {error.message}
    </p>
  );
}

/** The signed-in user's role in the organization (undefined while the session loads or when not a member). */
export function useOrgRole(orgId: string): Role | undefined {
  const { organization } = useSession();
  return organization(orgId)?.role;
}

/** What non-admins see instead of the controls: why they cannot act, and whom to ask. */
export function AdminsOnly({ role, what }: { readonly role: Role | undefined; readonly what: string }) {
  return (
    <p className="settings-readonly" role="note">
      Only organization admins manage {what}
      {role !== undefined ? (
        <>
          {" "}
          — your role here is <strong>{role}</strong>
        </>
      ) : null}
      . Ask an admin of this organization if something needs to change.
    </p>
  );
}

/**
 * A button that asks before doing something that cannot be undone. The question appears inline next to the
 * button (no modal to trap focus in), takes focus, and Escape or "Cancel" put focus back on the button. The
 * server's refusal (e.g. "cannot remove the last admin") is shown in place.
 */
export function ConfirmAction({
  label,
  confirmLabel,
  question,
  onConfirm,
  danger = true,
  disabled = false,
  title,
}: {
  readonly label: string;
  readonly confirmLabel: string;
  readonly question: ReactNode;
  readonly onConfirm: () => Promise<void>;
  readonly danger?: boolean;
  readonly disabled?: boolean;
  readonly title?: string;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const mounted = useRef(true);
  const refocus = useRef(false);
  const questionId = useId();
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  // Once the question is gone and the button enabled again, focus goes back to the button.
  useEffect(() => {
    if (!open && refocus.current) {
      refocus.current = false;
      trigger.current?.focus();
    }
  }, [open]);
  function close() {
    refocus.current = true;
    setOpen(false);
    setError(null);
  }
  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      // The action usually removes this row; only close when we are still on screen.
      if (mounted.current) setOpen(false);
    } catch (e) {
      if (mounted.current) setError(toError(e));
    } finally {
      if (mounted.current) setBusy(false);
    }
  }
  return (
    <span className="confirm-action">
      <button
        ref={trigger}
        type="button"
        className={danger ? "danger" : undefined}
        disabled={disabled || open}
        aria-expanded={open}
        onClick={() => {
          setError(null);
          setOpen(true);
        }}
        {...(title !== undefined ? { title } : {})}
      >
        {label}
      </button>
      {open ? (
        <span
          className="confirm-box"
          role="alertdialog"
          aria-modal="false"
          aria-labelledby={questionId}
          onKeyDown={(event) => {
            if (event.key === "Escape" && !busy) {
              event.stopPropagation();
              close();
            }
          }}
        >
          <span id={questionId} className="confirm-question">
            {question}
          </span>
          <span className="confirm-buttons">
            <button
              type="button"
              className={danger ? "danger strong" : "primary"}
              autoFocus
              disabled={busy}
              onClick={() => void confirm()}
            >
              {busy ? "Working…" : confirmLabel}
            </button>
            <button type="button" disabled={busy} onClick={close}>
              Cancel
            </button>
          </span>
          {error !== null ? (
            <span className="field-error confirm-error" role="alert">
              {error.message}
            </span>
          ) : null}
        </span>
      ) : null}
    </span>
  );
}

/** Copies `text`; falls back to selecting it (clipboard access needs a secure context and permission). */
export function CopyButton({
  text,
  label = "Copy",
  selectTarget,
}: {
  readonly text: string;
  readonly label?: string;
  /** The element holding the text, selected when the clipboard cannot be written. */
  readonly selectTarget?: RefObject<HTMLElement | null>;
}) {
  const [status, setStatus] = useState("");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setStatus("Copied to the clipboard.");
    } catch {
      const node = selectTarget?.current;
      const selection = window.getSelection();
      if (node !== undefined && node !== null && selection !== null) {
        const range = document.createRange();
        range.selectNodeContents(node);
        selection.removeAllRanges();
        selection.addRange(range);
        setStatus("The browser refused clipboard access: the text is selected, press Ctrl+C (⌘C) to copy.");
      } else {
        setStatus("The browser refused clipboard access: select the text and copy it by hand.");
      }
    }
  }
  return (
    <>
      <button type="button" onClick={() => void copy()}>
        {label}
      </button>
      <span className="muted small copy-status" role="status" aria-live="polite">
        {status}
      </span>
    </>
  );
}

/** A one-time value (API key, setup link) shown with its copy button and a warning. */
export function OneTimeSecret({
  title,
  value,
  testId,
  warning,
  onDismiss,
  dismissLabel = "Done",
  children,
}: {
  readonly title: string;
  readonly value: string;
  readonly testId: string;
  readonly warning: ReactNode;
  readonly onDismiss: () => void;
  readonly dismissLabel?: string;
  readonly children?: ReactNode;
}) {
  const panel = useRef<HTMLDivElement>(null);
  const valueRef = useRef<HTMLElement>(null);
  const titleId = useId();
  // Bring the secret into view and to the screen reader's attention the moment it appears.
  useEffect(() => {
    panel.current?.focus();
  }, [value]);
  return (
    <div className="card one-time" ref={panel} tabIndex={-1} role="region" aria-labelledby={titleId}>
      <h2 id={titleId}>{title}</h2>
      <p className="one-time-warning">{warning}</p>
      <div className="one-time-value">
        <code ref={valueRef} data-testid={testId} className="wrap-anywhere">
          {value}
        </code>
      </div>
      <div className="toolbar">
        <CopyButton text={value} selectTarget={valueRef} />
        <button type="button" onClick={onDismiss}>
          {dismissLabel}
        </button>
      </div>
      {children}
    </div>
  );
}
