import assert from "node:assert/strict";
import { test } from "node:test";
import { checkTiming, InvalidTimingError, nextTick } from "./schedule-timing.js";
import { planFiring } from "./firing-plan.js";

const at = (iso: string) => new Date(iso);

test("a cron tick in a time zone keeps its local time across a DST change", () => {
  const daily3am = { kind: "cron", cron: "0 3 * * *", timeZone: "Europe/Paris" } as const;
  // Paris is UTC+1 until 29 March 2026 02:00 local, UTC+2 after.
  const first = nextTick(daily3am, at("2026-03-27T12:00:00Z"));
  assert.equal(first.toISOString(), "2026-03-28T02:00:00.000Z");
  const second = nextTick(daily3am, first);
  assert.equal(second.toISOString(), "2026-03-29T01:00:00.000Z");
  assert.equal(second.getTime() - first.getTime(), 23 * 3_600_000);
  const utc = nextTick({ kind: "cron", cron: "0 3 * * *", timeZone: "UTC" }, at("2026-03-28T12:00:00Z"));
  assert.equal(utc.toISOString(), "2026-03-29T03:00:00.000Z");
});

test("a cron tick is strictly after the given time", () => {
  const everyMinute = { kind: "cron", cron: "* * * * *", timeZone: "UTC" } as const;
  assert.equal(nextTick(everyMinute, at("2026-01-01T00:00:00Z")).toISOString(), "2026-01-01T00:01:00.000Z");
  assert.equal(nextTick(everyMinute, at("2026-01-01T00:00:30Z")).toISOString(), "2026-01-01T00:01:00.000Z");
});

test("interval ticks keep the anchor's phase", () => {
  const every5s = { kind: "interval", intervalMs: 5000 } as const;
  const anchor = at("2026-01-01T00:00:00Z");
  assert.equal(nextTick(every5s, anchor, anchor).toISOString(), "2026-01-01T00:00:05.000Z");
  assert.equal(nextTick(every5s, at("2026-01-01T00:00:12.345Z"), anchor).toISOString(), "2026-01-01T00:00:15.000Z");
  assert.equal(nextTick(every5s, at("2026-01-01T00:00:15Z"), anchor).toISOString(), "2026-01-01T00:00:20.000Z");
});

test("checkTiming refuses bad cron expressions, zones and intervals, naming the field", () => {
  const field = (t: Parameters<typeof checkTiming>[0]) => {
    try {
      checkTiming(t);
      return "ok";
    } catch (e) {
      assert.ok(e instanceof InvalidTimingError);
      return e.field;
    }
  };
  assert.equal(field({ kind: "cron", cron: "*/5 * * * *", timeZone: "America/New_York" }), "ok");
  assert.equal(field({ kind: "cron", cron: "0 0 3 * * *", timeZone: "UTC" }), "cron"); // 6 fields
  assert.equal(field({ kind: "cron", cron: "61 * * * *", timeZone: "UTC" }), "cron");
  assert.equal(field({ kind: "cron", cron: "@daily", timeZone: "UTC" }), "cron");
  assert.equal(field({ kind: "cron", cron: "0 3 * * *", timeZone: "Mars/Olympus" }), "time_zone");
  assert.equal(field({ kind: "interval", intervalMs: 999 }), "interval_ms");
  assert.equal(field({ kind: "interval", intervalMs: 1000 }), "ok");
});

test("planFiring: on time fires each tick; missed ticks fire once (ONE) or not at all (NONE)", () => {
  const every1s = { kind: "interval", intervalMs: 1000 } as const;
  const due = at("2026-01-01T00:00:10Z");
  // A second late, within the grace: this tick fires, and the next one (already due) is next.
  assert.deepEqual(planFiring(every1s, "ONE", due, at("2026-01-01T00:00:11.2Z")), { fireFor: due, nextRunAt: at("2026-01-01T00:00:11Z") });
  // A minute of downtime: one task, for the latest passed tick, then the first tick after now.
  assert.deepEqual(planFiring(every1s, "ONE", due, at("2026-01-01T00:01:10.5Z")), {
    fireFor: at("2026-01-01T00:01:10Z"),
    nextRunAt: at("2026-01-01T00:01:11Z"),
  });
  assert.deepEqual(planFiring(every1s, "NONE", due, at("2026-01-01T00:01:10.5Z")), { fireFor: null, nextRunAt: at("2026-01-01T00:01:11Z") });
  const hourly = { kind: "cron", cron: "0 * * * *", timeZone: "UTC" } as const;
  assert.deepEqual(planFiring(hourly, "ONE", at("2026-01-01T00:00:00Z"), at("2026-01-01T05:30:00Z")), {
    fireFor: at("2026-01-01T05:00:00Z"),
    nextRunAt: at("2026-01-01T06:00:00Z"),
  });
});
