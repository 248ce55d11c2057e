/**
 * A task's progress (0..1) as a bar with its percentage and message. The
 * width is set through the DOM's style object, which the page's CSP allows
 * (it forbids inline style attributes in markup, not CSSOM changes).
 */
export function ProgressBar({ fraction, message }: { fraction: number; message?: string }) {
  const percent = Math.round(Math.min(1, Math.max(0, fraction)) * 100);
  return (
    <div class="progress-row">
      <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <div class="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <span class="progress-text">
        {percent}%{message ? ` · ${message}` : ""}
      </span>
    </div>
  );
}
