import type { DescFile, DescService } from "@bufbuild/protobuf";
import type {
  DescriptorProto,
  EnumDescriptorProto,
  FieldDescriptorProto,
} from "@bufbuild/protobuf/wkt";

/**
 * Lookup tables over a set of generated proto files and all the files they
 * import, as gRPC server reflection needs them.
 *
 * Built once from the services a server exposes. Symbols are indexed from
 * each file's `FileDescriptorProto` rather than from the `Desc*` objects,
 * because the descriptor protos also hold map-entry messages, oneofs and
 * enum values, which clients such as grpcurl may ask about.
 */
export class DescriptorIndex {
  /** Fully-qualified names of the exposed services, in registration order. */
  readonly serviceNames: readonly string[];

  private readonly files = new Map<string, DescFile>();
  private readonly symbols = new Map<string, DescFile>();
  /** Key `${extendee}#${number}`, extendee without the leading dot. */
  private readonly extensions = new Map<string, DescFile>();
  private readonly extensionNumbers = new Map<string, number[]>();
  private readonly messageTypes = new Set<string>();

  /**
   * @param services every service the server answers; their files and the
   *   files' transitive imports become resolvable. Duplicates are ignored.
   */
  constructor(services: readonly DescService[]) {
    this.serviceNames = [...new Set(services.map((s) => s.typeName))];
    for (const service of services) this.addFile(service.file);
  }

  /** The file registered under `name` (e.g. `"tstasks/v1/task.proto"`), or undefined. */
  fileByName(name: string): DescFile | undefined {
    return this.files.get(name);
  }

  /**
   * The file declaring a fully-qualified symbol (no leading dot): a message,
   * nested message, enum, enum value, field, oneof, service, method
   * (`pkg.Service.Method`) or extension. Undefined when unknown.
   */
  fileBySymbol(symbol: string): DescFile | undefined {
    return this.symbols.get(stripDot(symbol));
  }

  /** The file declaring extension `number` of message `extendee`, or undefined. */
  fileByExtension(extendee: string, number: number): DescFile | undefined {
    return this.extensions.get(`${stripDot(extendee)}#${number}`);
  }

  /**
   * Field numbers of all known extensions of message `typeName`, ascending.
   * Undefined when `typeName` is not a known message (an empty array means
   * the message is known but nothing extends it).
   */
  extensionNumbersOf(typeName: string): number[] | undefined {
    const name = stripDot(typeName);
    if (!this.messageTypes.has(name)) return undefined;
    return [...(this.extensionNumbers.get(name) ?? [])].sort((a, b) => a - b);
  }

  /**
   * `file` followed by everything it imports, directly or not, each once.
   * Reflection clients need the whole closure to build a descriptor pool.
   */
  withDependencies(file: DescFile): DescFile[] {
    const out: DescFile[] = [];
    const seen = new Set<string>();
    const visit = (f: DescFile): void => {
      if (seen.has(f.proto.name)) return;
      seen.add(f.proto.name);
      out.push(f);
      f.dependencies.forEach(visit);
    };
    visit(file);
    return out;
  }

  private addFile(file: DescFile): void {
    if (this.files.has(file.proto.name)) return;
    this.files.set(file.proto.name, file);
    const proto = file.proto;
    const scope = proto.package;
    for (const message of proto.messageType) this.addMessage(file, scope, message);
    for (const en of proto.enumType) this.addEnum(file, scope, en);
    for (const ext of proto.extension) this.addExtension(file, scope, ext);
    for (const service of proto.service) {
      const serviceName = join(scope, service.name);
      this.symbols.set(serviceName, file);
      for (const method of service.method) this.symbols.set(join(serviceName, method.name), file);
    }
    file.dependencies.forEach((dep) => this.addFile(dep));
  }

  private addMessage(file: DescFile, scope: string, message: DescriptorProto): void {
    const name = join(scope, message.name);
    this.symbols.set(name, file);
    this.messageTypes.add(name);
    for (const field of message.field) this.symbols.set(join(name, field.name), file);
    for (const oneof of message.oneofDecl) this.symbols.set(join(name, oneof.name), file);
    for (const nested of message.nestedType) this.addMessage(file, name, nested);
    for (const en of message.enumType) this.addEnum(file, name, en);
    for (const ext of message.extension) this.addExtension(file, name, ext);
  }

  private addEnum(file: DescFile, scope: string, en: EnumDescriptorProto): void {
    this.symbols.set(join(scope, en.name), file);
    // Protobuf scopes enum values like C++: as siblings of the enum, not children.
    for (const value of en.value) this.symbols.set(join(scope, value.name), file);
  }

  private addExtension(file: DescFile, scope: string, ext: FieldDescriptorProto): void {
    this.symbols.set(join(scope, ext.name), file);
    const extendee = stripDot(ext.extendee);
    this.extensions.set(`${extendee}#${ext.number}`, file);
    const numbers = this.extensionNumbers.get(extendee) ?? [];
    if (!numbers.includes(ext.number)) numbers.push(ext.number);
    this.extensionNumbers.set(extendee, numbers);
  }
}

function join(scope: string, name: string): string {
  return scope === "" ? name : `${scope}.${name}`;
}

function stripDot(name: string): string {
  return name.startsWith(".") ? name.slice(1) : name;
}
