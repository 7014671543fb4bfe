import { AttrType, DataLocation, ElemType, encodeModel, type AttributeMessage, type ElemTypeCode, type NodeMessage, type TensorMessage, type ValueInfoMessage } from './onnx-proto.js';

/** Opsets the lowering writes against: ai.onnx 21 (ONNX Runtime >= 1.18) and Microsoft's contrib ops (MatMulNBits). */
export const OPSET = 21;
export const MS_DOMAIN = 'com.microsoft';

/** weights from this size on travel beside the model (ONNX external data, in memory) */
const EXTERNAL_MIN = 4096;

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };
export type Dim = number | string;

/**
 * Builds one ONNX graph: nodes in order, named values, initializers and the graph's inputs and
 * outputs. Small constants (shapes, axes, scalars) are deduplicated by content.
 */
export class OnnxGraphBuilder {
  private readonly nodes: NodeMessage[] = [];
  private readonly initializers: TensorMessage[] = [];
  private readonly inputs: ValueInfoMessage[] = [];
  private readonly outputs: ValueInfoMessage[] = [];
  private readonly smallConstants = new Map<string, string>();
  /** initializers over EXTERNAL_MIN bytes: their bytes, handed to ONNX Runtime beside the model (no copy into the protobuf) */
  readonly externalData: { path: string; data: Uint8Array }[] = [];
  private counter = 0;

  /** a fresh value name */
  fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  input(name: string, elemType: ElemTypeCode, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: ElemTypeCode, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** an initializer; a big one's bytes go beside the model as external data named `file` (default: the initializer's name) */
  initializer(name: string, elemType: ElemTypeCode, dims: readonly number[], rawData: Uint8Array, file?: string): string {
    if (rawData.byteLength < EXTERNAL_MIN) {
      this.initializers.push({ name, dataType: elemType, dims: [...dims], rawData });
      return name;
    }
    const path = `${file ?? name}.bin`;
    this.externalData.push({ path, data: rawData });
    this.initializers.push({
      name, dataType: elemType, dims: [...dims], dataLocation: DataLocation.EXTERNAL,
      externalData: [{ key: 'location', value: path }, { key: 'offset', value: '0' }, { key: 'length', value: String(rawData.byteLength) }],
    });
    return name;
  }

  /** an int64 tensor (shapes, axes, indices) */
  int64s(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    let name = this.smallConstants.get(key);
    if (!name) {
      name = this.initializer(this.fresh('i64'), ElemType.INT64, dims, new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer));
      this.smallConstants.set(key, name);
    }
    return name;
  }

  /** an int32 scalar */
  int32(value: number): string {
    const key = `i32:${value}`;
    let name = this.smallConstants.get(key);
    if (!name) {
      name = this.initializer(this.fresh('i32'), ElemType.INT32, [], new Uint8Array(Int32Array.of(value).buffer));
      this.smallConstants.set(key, name);
    }
    return name;
  }

  /** a float32 scalar (or a tensor of the given dims, all `value`) */
  float(value: number, dims: readonly number[] = []): string {
    const key = `f32:${dims.join('x')}:${Object.is(value, -0) ? '-0' : value}`;
    let name = this.smallConstants.get(key);
    if (!name) {
      const count = dims.reduce((a, b) => a * b, 1);
      name = this.initializer(this.fresh('f32'), ElemType.FLOAT, dims, new Uint8Array(new Float32Array(count).fill(value).buffer));
      this.smallConstants.set(key, name);
    }
    return name;
  }

  /** one node; returns its outputs (`outputs` names them, else fresh names) */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, outputs: number | readonly string[] = 1, domain = ''): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(opType)) : [...outputs];
    this.nodes.push({ opType, domain: domain || undefined, input: [...inputs], output: outs, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return outs;
  }

  /** one node with one output */
  op1(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, domain = ''): string {
    return this.op(opType, inputs, attrs, 1, domain)[0]!;
  }

  reshape(x: string, dims: readonly number[]): string {
    return this.op1('Reshape', [x, this.int64s(dims)]);
  }

  /** x[starts:ends] on the given axes (constant bounds) */
  slice(x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[]): string {
    return this.op1('Slice', [x, this.int64s(starts), this.int64s(ends), this.int64s(axes)]);
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** the serialized model */
  encode(name: string, metadata: Record<string, string> = {}): Uint8Array {
    return encodeModel({
      irVersion: 10,
      opsetImport: [
        { domain: '', version: OPSET },
        { domain: MS_DOMAIN, version: 1 },
      ],
      producerName: 'ix',
      graph: { name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    });
  }
}

function valueInfo(name: string, elemType: ElemTypeCode, dims: readonly Dim[]): ValueInfoMessage {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } };
}

function attribute(name: string, v: AttrValue): AttributeMessage {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`onnx attribute ${name}: ${v} is not an integer (pass { float } for floats)`);
    return { name, type: AttrType.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  if ('float' in v) return { name, type: AttrType.FLOAT, f: v.float };
  return { name, type: AttrType.FLOATS, floats: v.floats };
}
