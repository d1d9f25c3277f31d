/**
 * Element types as torch spells them (`torch.float32` → 'float32'), with the tables that map the other
 * spellings a checkpoint can use onto them: legacy storage class names (contracts §2.6: `torch.FloatStorage`),
 * torch dtype globals of newer torch, and safetensors dtype codes.
 */
export type TorchDtype =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'complex32'
  | 'complex64'
  | 'complex128'
  | 'qint8'
  | 'quint8'
  | 'qint32'
  | 'quint4x2'
  | 'quint2x4'
  | 'float8_e4m3fn'
  | 'float8_e5m2';

/** Bytes per element. */
export const dtypeByteSize: Readonly<Record<TorchDtype, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
  uint16: 2,
  uint32: 4,
  uint64: 8,
  complex32: 4,
  complex64: 8,
  complex128: 16,
  qint8: 1,
  quint8: 1,
  qint32: 4,
  quint4x2: 1,
  quint2x4: 1,
  float8_e4m3fn: 1,
  float8_e5m2: 1,
};

/** The dtypes readTensor can turn into numbers. */
export const readableDtypes: ReadonlySet<TorchDtype> = new Set<TorchDtype>([
  'float32',
  'float16',
  'bfloat16',
  'float64',
  'int64',
  'int32',
  'int16',
  'int8',
  'uint8',
  'bool',
  'uint16',
  'uint32',
  'uint64',
]);

const storageClassDtypes: Readonly<Record<string, TorchDtype>> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  ComplexHalfStorage: 'complex32',
  ComplexFloatStorage: 'complex64',
  ComplexDoubleStorage: 'complex128',
  QInt8Storage: 'qint8',
  QUInt8Storage: 'quint8',
  QInt32Storage: 'qint32',
  QUInt4x2Storage: 'quint4x2',
  QUInt2x4Storage: 'quint2x4',
  // Untyped storages count bytes (torch ≥ 1.13 `UntypedStorage`, earlier `_UntypedStorage`).
  UntypedStorage: 'uint8',
  _UntypedStorage: 'uint8',
};

/**
 * The dtype of a storage class global: `torch.FloatStorage`, `torch.cuda.HalfStorage` (legacy GPU saves),
 * `torch.UntypedStorage`, `torch.storage.UntypedStorage`. Undefined when the name is not a storage class.
 */
export function dtypeOfStorageClass(module: string, name: string): TorchDtype | undefined {
  if (module !== 'torch' && module !== 'torch.cuda' && module !== 'torch.storage') {
    return undefined;
  }
  return Object.prototype.hasOwnProperty.call(storageClassDtypes, name) ? storageClassDtypes[name] : undefined;
}

const torchDtypeNames: Readonly<Record<string, TorchDtype>> = {
  float32: 'float32',
  float: 'float32',
  float64: 'float64',
  double: 'float64',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  short: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
  uint16: 'uint16',
  uint32: 'uint32',
  uint64: 'uint64',
  complex32: 'complex32',
  chalf: 'complex32',
  complex64: 'complex64',
  cfloat: 'complex64',
  complex128: 'complex128',
  cdouble: 'complex128',
  qint8: 'qint8',
  quint8: 'quint8',
  qint32: 'qint32',
  quint4x2: 'quint4x2',
  quint2x4: 'quint2x4',
  float8_e4m3fn: 'float8_e4m3fn',
  float8_e5m2: 'float8_e5m2',
};

/** The dtype named by a `torch.<name>` global (`torch.float32`, `torch.half`), or undefined. */
export function dtypeOfTorchName(name: string): TorchDtype | undefined {
  return Object.prototype.hasOwnProperty.call(torchDtypeNames, name) ? torchDtypeNames[name] : undefined;
}

const safetensorsDtypes: Readonly<Record<string, TorchDtype>> = {
  F64: 'float64',
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
  U16: 'uint16',
  U32: 'uint32',
  U64: 'uint64',
  F8_E4M3: 'float8_e4m3fn',
  F8_E5M2: 'float8_e5m2',
};

/** The dtype of a safetensors header `dtype` code (`F32`, `BF16`…), or undefined. */
export function dtypeOfSafetensorsCode(code: string): TorchDtype | undefined {
  return Object.prototype.hasOwnProperty.call(safetensorsDtypes, code) ? safetensorsDtypes[code] : undefined;
}
