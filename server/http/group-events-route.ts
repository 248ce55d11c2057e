import { create } from "@bufbuild/protobuf";
import {
  GroupSchema,
  GroupService,
  GroupStatus,
  type WatchGroupRequestSchema,
  type WatchGroupResponseSchema,
} from "../../gen/tstasks/v1/group_service_pb.js";
import { restJson } from "../rest/response-json.js";
import type { MaybeHandler } from "./task-events-route.js";
import { createWatchEventsRoute, type WatchEventsServerOptions } from "./watch-events-route.js";

/** Options of {@link createGroupEventsRoute}: the service's `watchGroup` and the server's settings. */
export type GroupEventsRouteOptions = WatchEventsServerOptions<typeof WatchGroupRequestSchema, typeof WatchGroupResponseSchema>;

/**
 * `GET /groups/{id}/events`: WatchGroup as Server-Sent Events (see
 * createWatchEventsRoute): `event: group` (data: the group JSON as
 * `GET /groups/{id}` renders its `group`) at every change, and once the
 * group and its gather task are final `event: end` (data `{"status"}`).
 */
export function createGroupEventsRoute(options: GroupEventsRouteOptions): MaybeHandler {
  return createWatchEventsRoute({
    ...options,
    path: /^\/groups\/([^/]+)\/events$/,
    method: GroupService.method.watchGroup,
    frame: (message) => {
      const group = message.group ?? create(GroupSchema);
      const final = group.status !== GroupStatus.RUNNING && group.status !== GroupStatus.UNSPECIFIED;
      return { event: "group", data: restJson(GroupSchema, group), finalStatus: final ? GroupStatus[group.status] : undefined };
    },
  });
}
