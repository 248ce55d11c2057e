import { toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { DescFile } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import type { DescriptorIndex } from "./descriptor-index.js";

/**
 * The `message_request` oneof of a reflection request, shaped so that both
 * `grpc.reflection.v1` and `grpc.reflection.v1alpha` requests fit it.
 */
export type ReflectionQuery =
  | { case: "fileByFilename"; value: string }
  | { case: "fileContainingSymbol"; value: string }
  | { case: "fileContainingExtension"; value: { containingType: string; extensionNumber: number } }
  | { case: "allExtensionNumbersOfType"; value: string }
  | { case: "listServices"; value: string }
  | { case: undefined; value?: undefined };

/**
 * The `message_response` oneof of a reflection response, as a plain init
 * object that both protocol versions accept in `create(...)`.
 *
 * It must go through `create()` of the response schema: assigning a plain
 * oneof object onto an existing message breaks serialization.
 */
export type ReflectionAnswer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/**
 * Answers one reflection query from `index`.
 *
 * File answers carry the serialized `FileDescriptorProto` of the matching
 * file first, then of every file it imports transitively. Misses answer
 * with an in-stream error response of code NOT_FOUND (the stream stays
 * open, as the reflection protocol requires); an empty oneof answers
 * INVALID_ARGUMENT.
 */
export function answerReflectionQuery(index: DescriptorIndex, query: ReflectionQuery): ReflectionAnswer {
  switch (query.case) {
    case "listServices":
      return {
        case: "listServicesResponse",
        value: { service: index.serviceNames.map((name) => ({ name })) },
      };
    case "fileByFilename":
      return fileAnswer(index, index.fileByName(query.value), `file "${query.value}" not found`);
    case "fileContainingSymbol":
      return fileAnswer(index, index.fileBySymbol(query.value), `symbol "${query.value}" not found`);
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = query.value;
      return fileAnswer(
        index,
        index.fileByExtension(containingType, extensionNumber),
        `extension ${extensionNumber} of "${containingType}" not found`,
      );
    }
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbersOf(query.value);
      if (numbers === undefined) return errorAnswer(Code.NotFound, `type "${query.value}" not found`);
      return {
        case: "allExtensionNumbersResponse",
        value: { baseTypeName: query.value, extensionNumber: numbers },
      };
    }
    default:
      return errorAnswer(Code.InvalidArgument, "reflection request sets no message_request");
  }
}

function fileAnswer(index: DescriptorIndex, file: DescFile | undefined, missMessage: string): ReflectionAnswer {
  if (file === undefined) return errorAnswer(Code.NotFound, missMessage);
  return {
    case: "fileDescriptorResponse",
    value: {
      fileDescriptorProto: index.withDependencies(file).map((f) => toBinary(FileDescriptorProtoSchema, f.proto)),
    },
  };
}

function errorAnswer(code: Code, errorMessage: string): ReflectionAnswer {
  // Connect's Code enum uses the gRPC status numbers, which is what error_code holds.
  return { case: "errorResponse", value: { errorCode: code, errorMessage } };
}
