import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import type { DescriptorIndex } from "./descriptor-index.js";
import { answerReflectionQuery } from "./reflection-answer.js";

/**
 * `grpc.reflection.v1.ServerReflection` answering from `index`.
 *
 * One response per request, in order, for as long as the client keeps the
 * stream open. Each response echoes the request and its host.
 */
export function createReflectionV1Service(index: DescriptorIndex): ServiceImpl<typeof v1.ServerReflection> {
  return {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        yield create(v1.ServerReflectionResponseSchema, {
          validHost: req.host,
          originalRequest: req,
          messageResponse: answerReflectionQuery(index, req.messageRequest),
        });
      }
    },
  };
}

/**
 * `grpc.reflection.v1alpha.ServerReflection`, the same answers as
 * {@link createReflectionV1Service} for older clients that only speak v1alpha.
 */
export function createReflectionV1AlphaService(
  index: DescriptorIndex,
): ServiceImpl<typeof v1alpha.ServerReflection> {
  return {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        yield create(v1alpha.ServerReflectionResponseSchema, {
          validHost: req.host,
          originalRequest: req,
          messageResponse: answerReflectionQuery(index, req.messageRequest),
        });
      }
    },
  };
}
