import protobuf from 'protobufjs';

/**
 * The part of onnx/onnx.proto (IR version 10) a lowered step graph uses, with the official field
 * numbers: models, graphs, nodes, attributes, tensors (raw bytes) and value infos. protobufjs
 * encodes it; ONNX Runtime parsing what we write is the check that the numbers are right.
 */
const ONNX_PROTO = `
syntax = "proto3";
package onnx;
message AttributeProto {
  string name = 1;
  int32 type = 20;
  float f = 2;
  int64 i = 3;
  bytes s = 4;
  TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
}
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  string domain = 7;
  repeated AttributeProto attribute = 5;
}
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message StringStringEntryProto { string key = 1; string value = 2; }
message ModelProto {
  int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  string producer_name = 2;
  string producer_version = 3;
  GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}
message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message TensorProto {
  repeated int64 dims = 1;
  int32 data_type = 2;
  string name = 8;
  bytes raw_data = 9;
  repeated StringStringEntryProto external_data = 13;
  int32 data_location = 14;
}
message TensorShapeProto {
  message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
}
`;

/** TensorProto.DataType values */
export const ElemType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10 } as const;
export type ElemTypeCode = (typeof ElemType)[keyof typeof ElemType];

/** AttributeProto.AttributeType values */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** TensorProto.DataLocation values */
export const DataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;

export interface TensorMessage {
  name: string;
  dataType: ElemTypeCode;
  dims: number[];
  rawData?: Uint8Array;
  /** location / offset / length of bytes kept outside the model */
  externalData?: { key: string; value: string }[];
  dataLocation?: number;
}
export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorMessage;
  floats?: number[];
  ints?: number[];
}
export interface NodeMessage {
  opType: string;
  domain?: string;
  name?: string;
  input: string[];
  output: string[];
  attribute?: AttributeMessage[];
}
export interface ValueInfoMessage {
  name: string;
  type: { tensorType: { elemType: ElemTypeCode; shape: { dim: ({ dimValue: number } | { dimParam: string })[] } } };
}
export interface ModelMessage {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  producerName: string;
  producerVersion?: string;
  graph: { name: string; node: NodeMessage[]; initializer: TensorMessage[]; input: ValueInfoMessage[]; output: ValueInfoMessage[] };
  metadataProps?: { key: string; value: string }[];
}

let modelType: protobuf.Type | undefined;

/** The serialized ModelProto. */
export function encodeModel(model: ModelMessage): Uint8Array {
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: false }).root.lookupType('onnx.ModelProto');
  return modelType.encode(modelType.fromObject(model)).finish();
}

/** A ModelProto read back (tests, and `ix` tools that show what was lowered). */
export function decodeModel(bytes: Uint8Array): ModelMessage {
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: false }).root.lookupType('onnx.ModelProto');
  return modelType.toObject(modelType.decode(bytes), { longs: Number, bytes: Uint8Array as never, defaults: false }) as unknown as ModelMessage;
}
