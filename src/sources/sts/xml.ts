/**
 * A small, strict reader for STS's XML answers. Pure.
 *
 * Why not an XML library: STS answers (AssumeRoleResponse, GetCallerIdentity-
 * Response, ErrorResponse) are a fixed tree of a dozen elements with text
 * content, one namespace and no attributes that matter. fast-xml-parser is in
 * the dependency tree (the identity-token verifier uses it), but loading it costs
 * a process about 30 ms (measured on the build machine), which every
 * `credential-process` run with --assume-role and no cache hit would pay for six
 * fields; @aws-sdk/xml-builder is marked as the SDK's internal API. So this small
 * reader, cross-checked against Python's ElementTree in its tests, takes
 * well-formed XML only: elements, text, the five predefined entities and character references,
 * CDATA, comments and the XML declaration; a DOCTYPE (entity expansion) or a
 * mismatched tag is refused. Element names lose their namespace prefix.
 */

/** One element: its local name, child elements in order, and its text (concatenated). @internal */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

/** The document is not well-formed XML of the kind this reader takes. @internal */
export class XmlSyntaxError extends Error {}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);|&/g, (all, ref: string | undefined) => {
    if (ref === undefined) throw new XmlSyntaxError("bare '&' in text");
    if (ref.startsWith("#x") || ref.startsWith("#")) {
      const code = ref.startsWith("#x") ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(code) || code > 0x10ffff) throw new XmlSyntaxError(`bad character reference ${all}`);
      return String.fromCodePoint(code);
    }
    const v = ENTITIES[ref];
    if (v === undefined) throw new XmlSyntaxError(`unknown entity ${all}`);
    return v;
  });
}

const localName = (qname: string): string => qname.slice(qname.indexOf(":") + 1);

/**
 * Parses a document into its root element.
 * @throws XmlSyntaxError
 * @internal
 */
export function parseXml(doc: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const n = doc.length;
  const addText = (t: string): void => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
    else if (t.trim() !== "") throw new XmlSyntaxError("text outside the root element");
  };
  while (i < n) {
    const lt = doc.indexOf("<", i);
    if (lt < 0) {
      addText(decode(doc.slice(i)));
      break;
    }
    if (lt > i) addText(decode(doc.slice(i, lt)));
    if (doc.startsWith("<?", lt)) {
      const end = doc.indexOf("?>", lt);
      if (end < 0) throw new XmlSyntaxError("unterminated processing instruction");
      i = end + 2;
    } else if (doc.startsWith("<!--", lt)) {
      const end = doc.indexOf("-->", lt);
      if (end < 0) throw new XmlSyntaxError("unterminated comment");
      i = end + 3;
    } else if (doc.startsWith("<![CDATA[", lt)) {
      const end = doc.indexOf("]]>", lt);
      if (end < 0) throw new XmlSyntaxError("unterminated CDATA section");
      addText(doc.slice(lt + 9, end));
      i = end + 3;
    } else if (doc.startsWith("<!", lt)) {
      throw new XmlSyntaxError("DOCTYPE and other declarations are not accepted");
    } else {
      const gt = doc.indexOf(">", lt);
      if (gt < 0) throw new XmlSyntaxError("unterminated tag");
      const inner = doc.slice(lt + 1, gt);
      i = gt + 1;
      if (inner.startsWith("/")) {
        const name = inner.slice(1).trim();
        const open = stack.pop();
        if (!open || open.name !== localName(name)) throw new XmlSyntaxError(`unexpected closing tag </${name}>`);
        if (stack.length === 0) root = open;
        continue;
      }
      const selfClosing = inner.endsWith("/");
      const m = /^([A-Za-z_][\w.:-]*)(\s[^]*)?$/.exec(selfClosing ? inner.slice(0, -1) : inner);
      if (!m) throw new XmlSyntaxError("malformed tag");
      if (root !== undefined) throw new XmlSyntaxError("content after the root element");
      const el: XmlElement = { name: localName(m[1]!), children: [], text: "" };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      if (selfClosing) {
        if (!parent) root = el;
      } else stack.push(el);
    }
  }
  if (stack.length > 0 || root === undefined) throw new XmlSyntaxError(stack.length > 0 ? `unclosed element <${stack[stack.length - 1]!.name}>` : "no root element");
  return root;
}

/** The first child element named `name`, or undefined. @internal */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** The text of the element at `path` below `el` (trimmed), or undefined when absent or empty. @internal */
export function textAt(el: XmlElement | undefined, ...path: string[]): string | undefined {
  let cur = el;
  for (const p of path) cur = child(cur, p);
  const t = cur?.text.trim();
  return t === undefined || t === "" ? undefined : t;
}
