import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useState } from "preact/hooks";
import { TASK_STATUSES, type TaskInfo, type TaskStatus } from "../../../../client/browser.js";
import { statusToProto, taskFromProto } from "../../../../client/task-info.js";
import { TaskStatus as ProtoStatus } from "../../../../gen/tstasks/v1/task_pb.js";
import { useApp } from "../app-context.js";
import { ErrorBox } from "../components/error-box.js";
import { StatusBadge } from "../components/status-badge.js";
import { formatAgo, formatSpan, formatTime, shortId } from "../format.js";
import { useAsync } from "../hooks/use-async.js";
import { useInterval } from "../hooks/use-interval.js";
import { href, navigate } from "../route.js";
import { CREATED_RANGES, createdBounds, filtersFromQuery, filtersToQuery, type TaskFilters } from "./task-filters.js";

/** Tasks per page. */
const PAGE_SIZE = 25;
/** The shown page is read again this often, so statuses move without a click. */
const REFRESH_MS = 5000;

/**
 * The task list (`#/tasks`): the caller's tasks, or everyone's for an
 * admin, newest first, filtered by type, status and creation time, a page
 * at a time (ListTasks with `page_token`).
 */
export function TasksPage({ query }: { query: URLSearchParams }) {
  const { session } = useApp();
  const filters = filtersFromQuery(query);
  const setFilters = (next: TaskFilters) => navigate(href.tasks(filtersToQuery(next)), true);
  return (
    <section>
      <h1>{session.admin ? "All tasks" : "Your tasks"}</h1>
      <FilterBar filters={filters} onChange={setFilters} />
      {/* Keyed by the filters: new filters start again from the first page. */}
      <TaskTable key={filtersToQuery(filters).toString()} filters={filters} showOwner={session.admin} />
    </section>
  );
}

function FilterBar({ filters, onChange }: { filters: TaskFilters; onChange: (f: TaskFilters) => void }) {
  const { api } = useApp();
  const types = useAsync(() => api.client.types(), []);
  const names = Object.keys(types.data ?? {}).sort();
  // A filter on a type that is no longer registered stays selectable.
  if (filters.type && !names.includes(filters.type)) names.unshift(filters.type);
  const set = (change: Partial<TaskFilters>) => onChange({ ...filters, ...change });
  return (
    <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <label>
        Type
        <select name="type" value={filters.type} onChange={(e) => set({ type: e.currentTarget.value })}>
          <option value="">all types</option>
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label>
        Status
        <select name="status" value={filters.status} onChange={(e) => set({ status: e.currentTarget.value as TaskStatus | "" })}>
          <option value="">any status</option>
          {TASK_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Created
        <select name="created" value={filters.created} onChange={(e) => set({ created: e.currentTarget.value })}>
          {CREATED_RANGES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      {filters.created === "custom" ? (
        <>
          <label>
            From
            <input type="datetime-local" name="from" value={filters.from} onChange={(e) => set({ from: e.currentTarget.value })} />
          </label>
          <label>
            To
            <input type="datetime-local" name="to" value={filters.to} onChange={(e) => set({ to: e.currentTarget.value })} />
          </label>
        </>
      ) : null}
      {types.error !== undefined ? <ErrorBox error={types.error} context="task types" /> : null}
    </form>
  );
}

function TaskTable({ filters, showOwner }: { filters: TaskFilters; showOwner: boolean }) {
  const { api } = useApp();
  // The tokens of the pages walked through; the last is the page shown ("" is the first).
  const [tokens, setTokens] = useState<string[]>([""]);
  const pageToken = tokens[tokens.length - 1]!;
  const page = useAsync(
    async (signal) => {
      const { after, before } = createdBounds(filters, Date.now());
      const response = await api.tasks.listTasks(
        {
          type: filters.type,
          status: filters.status ? statusToProto(filters.status) : ProtoStatus.UNSPECIFIED,
          pageSize: PAGE_SIZE,
          pageToken,
          createdAfter: after && timestampFromDate(after),
          createdBefore: before && timestampFromDate(before),
        },
        { signal },
      );
      return { tasks: response.tasks.map(taskFromProto), next: response.nextPageToken };
    },
    [pageToken],
  );
  useInterval(page.reload, REFRESH_MS);
  const now = Date.now();

  return (
    <>
      {page.error !== undefined ? <ErrorBox error={page.error} context="tasks" /> : null}
      <table class="tasks">
        <thead>
          <tr>
            <th>ID</th>
            <th>Type</th>
            <th>Status</th>
            {showOwner ? <th>Owner</th> : null}
            <th>Worker</th>
            <th class="num">Attempts</th>
            <th>Created</th>
            <th class="num">Run time</th>
          </tr>
        </thead>
        <tbody>
          {(page.data?.tasks ?? []).map((t) => (
            <TaskRow key={t.id} task={t} showOwner={showOwner} now={now} />
          ))}
        </tbody>
      </table>
      {page.data && page.data.tasks.length === 0 ? <p class="empty">No tasks match these filters.</p> : null}
      <div class="pager">
        <button type="button" class="secondary" disabled={tokens.length === 1} onClick={() => setTokens(tokens.slice(0, -1))}>
          ← Newer
        </button>
        <span>page {tokens.length}</span>
        <button type="button" class="secondary" disabled={!page.data?.next} onClick={() => setTokens([...tokens, page.data!.next])}>
          Older →
        </button>
        <span class="muted">{page.loading ? "loading…" : `refreshed every ${REFRESH_MS / 1000} s`}</span>
      </div>
    </>
  );
}

function TaskRow({ task: t, showOwner, now }: { task: TaskInfo; showOwner: boolean; now: number }) {
  return (
    <tr>
      <td>
        <a class="mono" href={href.task(t.id)} title={t.id}>
          {shortId(t.id)}
        </a>
      </td>
      <td>{t.type}</td>
      <td>
        <StatusBadge status={t.status} />
        {t.status === "STARTED" && t.progress > 0 ? <span class="muted"> {Math.round(t.progress * 100)}%</span> : null}
      </td>
      {showOwner ? <td>{t.owner || <span class="muted">anonymous</span>}</td> : null}
      <td class="mono small">{t.worker || "—"}</td>
      <td class="num">{t.attempts}</td>
      <td title={formatTime(t.createdAt)}>{formatAgo(t.createdAt, now)}</td>
      <td class="num">{formatSpan(t.startedAt, t.finishedAt, now)}</td>
    </tr>
  );
}
