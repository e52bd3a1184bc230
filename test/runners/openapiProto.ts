// A Swagger 2.0 document as kubectl reads it from a server's /openapi/v2: protobuf, in gnostic's
// openapi_v2.Document shape (google/gnostic, openapiv2/OpenAPIv2.proto). Only what kubectl's
// client-side validation reads is written: the definitions, with their $ref, type, required,
// properties, items, additionalProperties, format and vendor extensions (the
// x-kubernetes-group-version-kind that maps a kind to its schema). The writer is the protobuf wire
// format by hand: varint keys, length-delimited strings and messages.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** Field `field` as a length-delimited value (string, bytes, message). */
function lengthDelimited(field: number, bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(varint((field << 3) | 2)), Buffer.from(varint(bytes.length)), bytes]);
}

function str(field: number, text: string): Buffer {
  return lengthDelimited(field, Buffer.from(text, 'utf8'));
}

function bool(field: number, value: boolean): Buffer {
  return Buffer.from([...varint(field << 3), value ? 1 : 0]);
}

/** NamedAny { name = 1; Any value = 2 { yaml = 2 } }: JSON text is YAML. */
function namedAny(field: number, name: string, value: Json): Buffer {
  return lengthDelimited(field, Buffer.concat([str(1, name), lengthDelimited(2, str(2, JSON.stringify(value)))]));
}

function schema(s: { [key: string]: Json }): Buffer {
  const parts: Buffer[] = [];
  if (typeof s.$ref === 'string') parts.push(str(1, s.$ref));
  if (typeof s.format === 'string') parts.push(str(2, s.format));
  if (Array.isArray(s.required)) for (const r of s.required) parts.push(str(19, String(r)));
  const additional = s.additionalProperties;
  if (typeof additional === 'boolean') parts.push(lengthDelimited(21, bool(2, additional)));
  else if (additional !== null && typeof additional === 'object' && !Array.isArray(additional)) parts.push(lengthDelimited(21, lengthDelimited(1, schema(additional))));
  const type = s.type;
  if (typeof type === 'string') parts.push(lengthDelimited(22, str(1, type)));
  const items = s.items;
  if (items !== null && typeof items === 'object' && !Array.isArray(items)) parts.push(lengthDelimited(23, lengthDelimited(1, schema(items))));
  const props = s.properties;
  if (props !== null && typeof props === 'object' && !Array.isArray(props)) {
    parts.push(lengthDelimited(25, Buffer.concat(Object.entries(props).map(([name, p]) => lengthDelimited(1, Buffer.concat([str(1, name), lengthDelimited(2, schema(p as { [key: string]: Json }))]))))));
  }
  for (const [k, v] of Object.entries(s)) if (k.startsWith('x-')) parts.push(namedAny(31, k, v));
  return Buffer.concat(parts);
}

/** The protobuf bytes of a Swagger 2.0 document's definitions. */
export function swaggerToProto(doc: { swagger?: string; info?: { title?: string; version?: string }; definitions: { [name: string]: { [key: string]: Json } } }): Buffer {
  const info = Buffer.concat([str(1, doc.info?.title ?? 'Kubernetes'), str(2, doc.info?.version ?? 'v0')]);
  const definitions = Buffer.concat(Object.entries(doc.definitions).map(([name, s]) => lengthDelimited(1, Buffer.concat([str(1, name), lengthDelimited(2, schema(s))]))));
  return Buffer.concat([str(1, doc.swagger ?? '2.0'), lengthDelimited(2, info), lengthDelimited(9, definitions)]);
}
