import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

const STATUS_TEXT: Record<string, string> = {
  ONLINE: 'Online',
  OFFLINE: 'Offline',
  STALE: 'Stale',
  NEVER_CONTACTED: 'Never contacted',
};

export const statusText = (status: string | null | undefined) => (status ? (STATUS_TEXT[status] ?? status) : 'Unknown');

export const TYPE_TEXT: Record<string, string> = { INSTANCE_TYPE: 'Instance', GROUP_TYPE: 'Group', PROJECT_TYPE: 'Project' };

/** A runner's status as GitLab's badges show it, with "Paused" beside it when it is. */
export function StatusBadges({ status, paused }: { status?: string | null; paused?: boolean | null }) {
  return (
    <span class="badges">
      <span class={`badge status-${(status ?? 'unknown').toLowerCase()}`}>{statusText(status)}</span>
      {paused ? <span class="badge paused">Paused</span> : null}
    </span>
  );
}

export function Tags({ tags }: { tags?: readonly string[] | null }) {
  if (!tags?.length) return <span class="muted">none</span>;
  return (
    <span class="tags">
      {tags.map((tag) => (
        <span class="tag" key={tag}>
          {tag}
        </span>
      ))}
    </span>
  );
}

/**
 * A dialog's footer: Cancel, then the one thing the dialog is for. Without `onConfirm` the action submits the
 * dialog's form, so Enter in a field does the same as the button.
 */
export function DialogActions({
  label,
  onCancel,
  onConfirm,
  disabled = false,
  tone = 'primary',
}: {
  label: string;
  onCancel: () => void;
  onConfirm?: () => void;
  disabled?: boolean;
  tone?: 'primary' | 'danger';
}) {
  return (
    <footer>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      <button type={onConfirm ? 'button' : 'submit'} class={tone} disabled={disabled} onClick={onConfirm}>
        {label}
      </button>
    </footer>
  );
}

/** A modal dialog (the platform's <dialog>: focus is trapped in it, Escape closes it). */
export function Dialog({
  title,
  onClose,
  children,
  wide = false,
}: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={ref} class={wide ? 'wide' : ''} aria-labelledby="dialog-title" onClose={onClose}>
      <header>
        <h2 id="dialog-title">{title}</h2>
        <button type="button" class="icon" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      {children}
    </dialog>
  );
}

export function ErrorNotice({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p class="notice error" role="alert">
      {message}
    </p>
  );
}

export function DoneNotice({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p class="notice done" role="status">
      {message}
    </p>
  );
}

/** A token shown once, selectable, with a button that copies it. */
export function Secret({ label, value }: { label: string; value: string }) {
  return (
    <div class="secret">
      <label>
        {label}
        <input readOnly value={value} onFocus={(event) => event.currentTarget.select()} />
      </label>
      <button type="button" onClick={() => navigator.clipboard?.writeText(value)}>
        Copy
      </button>
    </div>
  );
}

export const runnerNumber = (id: string | null | undefined) => (id ? `#${id.split('/').pop()}` : '');
