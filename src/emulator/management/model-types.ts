/** The parts of a Smithy/botocore JSON service model that the emulator reads. @internal */
export interface ServiceModel {
  version: string;
  metadata: Record<string, unknown>;
  operations: Record<string, OperationModel>;
  shapes: Record<string, ShapeModel>;
}

/** One operation: its HTTP binding, input/output shapes and declared errors. @internal */
export interface OperationModel {
  name: string;
  http: { method: string; requestUri: string; responseCode?: number };
  input?: { shape: string };
  output?: { shape: string };
  errors?: Array<{ shape: string }>;
}

/** A member of a structure. @internal */
export interface MemberModel {
  shape: string;
  location?: "uri" | "querystring" | "header" | "headers" | "statusCode";
  locationName?: string;
}

/** A shape. Only the traits the emulator checks are typed. @internal */
export interface ShapeModel {
  type: "structure" | "string" | "integer" | "long" | "boolean" | "blob" | "list" | "map" | "timestamp" | "double" | "float";
  members?: Record<string, MemberModel>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  union?: boolean;
  error?: { httpStatusCode: number; senderFault?: boolean };
  exception?: boolean;
  timestampFormat?: string;
  [other: string]: unknown;
}
