import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { create, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import {
  ExtensionRequestSchema,
  ServerReflection,
  ServerReflectionRequestSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { SystemService } from "../../gen/tstasks/v1/system_service_pb.js";
import { TaskService } from "../../gen/tstasks/v1/task_service_pb.js";
import { registerGrpcHealth } from "../health/grpc-health.js";
import { registerReflection } from "./register-reflection.js";

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bufBin = path.join(repoRoot, "node_modules/.bin/buf");

describe("gRPC reflection and health over h2c", () => {
  let server: http2.Http2Server;
  let baseUrl: string;
  let healthy = true;
  const sessions = new Set<http2.ServerHttp2Session>();

  before(async () => {
    server = http2.createServer(
      connectNodeAdapter({
        routes: (router) => {
          registerReflection(router, [TaskService, SystemService, Health]);
          registerGrpcHealth(router, async () => healthy, { watchIntervalMs: 20 });
        },
      }),
    );
    server.on("session", (session) => {
      sessions.add(session);
      session.on("close", () => sessions.delete(session));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    // Connect clients keep h2 sessions alive; drop them so close() returns.
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const session of sessions) session.destroy();
    });
  });

  /** Runs `buf curl` over gRPC/h2c against the test server; resolves stdout. */
  async function bufCurl(...args: string[]): Promise<string> {
    const { stdout } = await run(bufBin, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], {
      timeout: 30_000,
    });
    return stdout;
  }

  const expectedServices = [
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
    "tstasks.v1.SystemService",
    "tstasks.v1.TaskService",
  ];

  it("lists services with buf curl (reflection v1)", async () => {
    const lines = (await bufCurl(baseUrl, "--list-services")).trim().split("\n").sort();
    assert.deepEqual(lines, expectedServices);
  });

  it("lists methods with buf curl over v1 and v1alpha", async () => {
    for (const protocol of ["grpc-v1", "grpc-v1alpha"]) {
      const out = await bufCurl(baseUrl, "--list-methods", "--reflect-protocol", protocol);
      const methods = out.trim().split("\n");
      for (const m of [
        "tstasks.v1.TaskService/SubmitTask",
        "tstasks.v1.TaskService/GetTask",
        "tstasks.v1.TaskService/ListTasks",
        "tstasks.v1.TaskService/CancelTask",
        "tstasks.v1.SystemService/Ping",
        "grpc.health.v1.Health/Watch",
      ]) {
        assert.ok(methods.includes(m), `${protocol}: ${m} missing from ${out}`);
      }
    }
  });

  it("answers Health/Check through buf curl, following the probe", async () => {
    const url = `${baseUrl}/grpc.health.v1.Health/Check`;
    healthy = true;
    assert.deepEqual(JSON.parse(await bufCurl("-d", "{}", url)), { status: "SERVING" });
    healthy = false;
    try {
      assert.deepEqual(JSON.parse(await bufCurl("-d", '{"service":"tstasks.v1.TaskService"}', url)), {
        status: "NOT_SERVING",
      });
    } finally {
      healthy = true;
    }
    await assert.rejects(bufCurl("-d", '{"service":"no.such.Service"}', url), (err: { stderr?: string }) => {
      assert.match(err.stderr ?? "", /not_found/);
      return true;
    });
  });

  it("streams Health/Watch changes to a Connect gRPC client", async () => {
    const client = createClient(Health, createGrpcTransport({ baseUrl }));
    const abort = new AbortController();
    healthy = true;
    const stream = client.watch({ service: "" }, { signal: abort.signal })[Symbol.asyncIterator]();
    try {
      assert.equal((await stream.next()).value?.status, HealthCheckResponse_ServingStatus.SERVING);
      healthy = false;
      assert.equal((await stream.next()).value?.status, HealthCheckResponse_ServingStatus.NOT_SERVING);
    } finally {
      healthy = true;
      abort.abort();
      await stream.return?.();
    }
  });

  it("answers v1 reflection queries and misses over one bidi stream", async () => {
    const client = createClient(ServerReflection, createGrpcTransport({ baseUrl }));
    const queries: ServerReflectionRequest["messageRequest"][] = [
      { case: "fileContainingSymbol", value: "grpc.health.v1.HealthCheckResponse.ServingStatus" },
      { case: "fileContainingSymbol", value: "google.protobuf.Struct.FieldsEntry" },
      { case: "fileContainingSymbol", value: "tstasks.v1.TaskService.SubmitTask" },
      { case: "fileContainingSymbol", value: "tstasks.v1.NoSuchMessage" },
      { case: "fileByFilename", value: "no/such.proto" },
      {
        case: "fileContainingExtension",
        // google.api.http, declared in google/api/annotations.proto
        value: create(ExtensionRequestSchema, {
          containingType: "google.protobuf.MethodOptions",
          extensionNumber: 72295728,
        }),
      },
      { case: "allExtensionNumbersOfType", value: "google.protobuf.MethodOptions" },
      { case: "allExtensionNumbersOfType", value: "no.such.Type" },
    ];
    async function* requests() {
      for (const messageRequest of queries) yield create(ServerReflectionRequestSchema, { host: "h", messageRequest });
    }
    const responses: ServerReflectionResponse[] = [];
    for await (const res of client.serverReflectionInfo(requests())) responses.push(res);
    assert.equal(responses.length, queries.length);

    const fileNames = (res: ServerReflectionResponse): string[] => {
      assert.equal(res.messageResponse.case, "fileDescriptorResponse");
      return res.messageResponse.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b).name);
    };
    const errorCode = (res: ServerReflectionResponse): number => {
      assert.equal(res.messageResponse.case, "errorResponse");
      return res.messageResponse.value.errorCode;
    };

    assert.deepEqual(fileNames(responses[0]!), ["grpc/health/v1/health.proto"]);
    assert.equal(responses[0]!.validHost, "h");
    assert.equal(responses[0]!.originalRequest?.messageRequest.value, queries[0]!.value);
    assert.deepEqual(fileNames(responses[1]!), ["google/protobuf/struct.proto"]);
    // The requested file comes first, then its whole import closure.
    assert.deepEqual(fileNames(responses[2]!).sort(), [
      "google/api/annotations.proto",
      "google/api/http.proto",
      "google/protobuf/descriptor.proto",
      "google/protobuf/struct.proto",
      "google/protobuf/timestamp.proto",
      "tstasks/v1/task.proto",
      "tstasks/v1/task_service.proto",
    ]);
    assert.equal(fileNames(responses[2]!)[0], "tstasks/v1/task_service.proto");
    assert.equal(errorCode(responses[3]!), Code.NotFound);
    assert.equal(errorCode(responses[4]!), Code.NotFound);
    assert.equal(fileNames(responses[5]!)[0], "google/api/annotations.proto");
    assert.equal(responses[6]!.messageResponse.case, "allExtensionNumbersResponse");
    assert.deepEqual(responses[6]!.messageResponse.value, {
      $typeName: "grpc.reflection.v1.ExtensionNumberResponse",
      baseTypeName: "google.protobuf.MethodOptions",
      extensionNumber: [72295728],
    });
    assert.equal(errorCode(responses[7]!), Code.NotFound);
  });
});
