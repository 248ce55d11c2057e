import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { ServerReflection as ServerReflectionV1 } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1Alpha } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { DescriptorIndex } from "./descriptor-index.js";
import { createReflectionV1AlphaService, createReflectionV1Service } from "./reflection-service.js";

/**
 * Registers gRPC server reflection on `router`, under both
 * `grpc.reflection.v1.ServerReflection` and `grpc.reflection.v1alpha.ServerReflection`
 * (grpcurl and buf curl try v1 first and fall back to v1alpha on UNIMPLEMENTED).
 *
 * `list_services` answers `services` (pass `Health` here too if it is
 * mounted) followed by the two reflection services; every file those
 * services are declared in, and everything they import, can be fetched.
 * Reflection is a bidi stream, so it only works over HTTP/2 (h2c or TLS);
 * keep it outside any auth interceptor, or the v1alpha fallback breaks.
 *
 * @param router the router to add the two services to
 * @param services the services the server exposes, e.g. `[TaskService, SystemService, Health]`
 */
export function registerReflection(router: ConnectRouter, services: readonly DescService[]): void {
  const index = new DescriptorIndex([...services, ServerReflectionV1, ServerReflectionV1Alpha]);
  router.service(ServerReflectionV1, createReflectionV1Service(index));
  router.service(ServerReflectionV1Alpha, createReflectionV1AlphaService(index));
}
