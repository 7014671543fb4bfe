/**
 * Where @huggingface/jinja renders differently from Python's jinja2 (what transformers'
 * apply_chat_template runs), the behaviour real chat templates rely on, patched onto its
 * Interpreter in this one place (its runtime value classes are not exported: they are taken from
 * evaluated literals). Each rule says what jinja2 does:
 * - `{{ x }}` of None prints "None" (undefined still prints nothing)
 * - `select`, `reject`, `selectattr`, `rejectattr` and `map` of None give an empty sequence
 *   (jinja2 iterates only a truthy value)
 * - `trim` of None is "None"; of undefined, ""
 * - `string` of a dict or list is its Python repr ({'a': 1}, ['x', None]), not JSON
 * - `min` and `max` of a list
 * - integer dict keys (`{0: 0, 512: 128}`): looked up by integers, sorted numerically by `dictsort`,
 *   given back as integers by `items()` / `keys()`
 * - Python's `str.format` ('{}', '{0}', '{name}' fields, `{{` / `}}`; no format specs)
 * - `|safe` gives Markup, and Markup + str HTML-escapes the str (markupsafe's rule; transformers'
 *   `tojson` returns a plain str, so it is escaped too)
 * Tested against Python jinja2 on every template in llama.cpp's models/templates
 * (test/chat-jinja2.test.ts); what still differs is listed there.
 */
import { Environment, Interpreter } from '@huggingface/jinja';

interface Value {
  type: string;
  value: unknown;
}
type ValueClass = new (value: unknown) => Value;
interface FilterNode {
  type: string;
  value?: string;
  callee?: { type: string; value?: string };
}
type ApplyFilter = (operand: Value, filter: FilterNode, env: Environment) => Value;
type EvaluateBlock = (statements: { type: string }[], env: Environment) => Value;
interface Node {
  type: string;
  value?: unknown;
  computed?: boolean;
  object?: Node;
  property?: Node;
  operator?: { value: string };
  left?: Node;
  right?: Node;
}
/** a string value marked safe (jinja2's Markup) */
type Marked = Value & { markup?: true };

/** node types that are statements; every other top-level node of a block is an output expression */
const STATEMENTS = new Set(['Program', 'If', 'For', 'Break', 'Continue', 'Set', 'Macro', 'Comment', 'FilterStatement', 'CallStatement']);
const SELECTING = new Set(['select', 'reject', 'selectattr', 'rejectattr', 'map']);

let installed = false;

export function installJinjaCompat(): void {
  if (installed) return;
  installed = true;
  const proto = Interpreter.prototype as unknown as {
    applyFilter: ApplyFilter;
    evaluateBlock: EvaluateBlock;
    evaluate(node: unknown, env: Environment): Value;
    evaluateMemberExpression(node: Node, env: Environment): Value;
    evaluateBinaryExpression(node: Node, env: Environment): Value;
  };
  const probe = new Interpreter(new Environment()) as unknown as typeof proto;
  const env = new Environment();
  const classOf = (node: unknown) => probe.evaluate(node, env).constructor as ValueClass;
  const StringValue = classOf({ type: 'StringLiteral', value: '' });
  const ArrayValue = classOf({ type: 'ArrayLiteral', value: [] });
  const IntegerValue = classOf({ type: 'IntegerLiteral', value: 0 });
  const ObjectValue = classOf({ type: 'ObjectLiteral', value: new Map() });
  const UndefinedValue = classOf({ type: 'Identifier', value: 'ix_compat_undefined' });
  const NullValue = classOf({ type: 'Identifier', value: 'none' });
  const FunctionValue = (new StringValue('') as unknown as { builtins: Map<string, Value> }).builtins.get('upper')!.constructor as new (f: (args: Value[]) => Value) => Value;
  const keyValue = (k: unknown) => (typeof k === 'number' ? new IntegerValue(k) : new StringValue(k));

  const applyFilter = proto.applyFilter;
  proto.applyFilter = function (this: typeof proto, operand, filter, environment) {
    const name = filter.type === 'Identifier' ? filter.value : filter.type === 'CallExpression' ? filter.callee?.value : undefined;
    const none = operand.type === 'NullValue', undefinedValue = operand.type === 'UndefinedValue';
    if ((none || undefinedValue) && name && SELECTING.has(name)) return new ArrayValue([]);
    if (name === 'trim' && (none || undefinedValue)) return new StringValue(none ? 'None' : '');
    if (name === 'safe' && operand.type === 'StringValue') return markup(new StringValue(operand.value));
    if (name === 'string' && (operand.type === 'ObjectValue' || operand.type === 'ArrayValue' || operand.type === 'TupleValue')) return new StringValue(pythonRepr(operand));
    if ((name === 'min' || name === 'max') && (operand.type === 'ArrayValue' || operand.type === 'TupleValue')) {
      const items = operand.value as Value[];
      if (items.length === 0) return applyFilter.call(this, operand, filter, environment);
      return items.reduce((best, x) => ((name === 'min' ? (x.value as number) < (best.value as number) : (x.value as number) > (best.value as number)) ? x : best));
    }
    return applyFilter.call(this, operand, filter, environment);
  };

  // integer dict keys: a literal may use them, lookups, items(), keys(), get() and dictsort see them
  const evaluate = proto.evaluate;
  proto.evaluate = function (this: typeof proto, node, environment) {
    const n = node as Node;
    if (n?.type === 'ix_compat_value') return n.value as Value;
    if (n?.type !== 'ObjectLiteral') return evaluate.call(this, node, environment);
    const mapping = new Map<unknown, Value>();
    for (const [key, value] of n.value as Map<Node, Node>) {
      const k = this.evaluate(key, environment);
      if (k.type !== 'StringValue' && k.type !== 'IntegerValue') throw new Error(`Object keys must be strings or integers: got ${k.type}`);
      mapping.set(k.value, this.evaluate(value, environment));
    }
    return new ObjectValue(mapping);
  };
  const objectProto = ObjectValue.prototype as unknown as { items(): Value; keys(): Value; value: Map<unknown, Value> };
  objectProto.items = function (this: typeof objectProto) {
    return new ArrayValue([...this.value].map(([k, v]) => new ArrayValue([keyValue(k), v])));
  };
  objectProto.keys = function (this: typeof objectProto) {
    return new ArrayValue([...this.value.keys()].map(keyValue));
  };
  const builtins = Object.getOwnPropertyDescriptor(ObjectValue.prototype, 'builtins')!.get!;
  Object.defineProperty(ObjectValue.prototype, 'builtins', {
    get(this: typeof objectProto) {
      const map = builtins.call(this) as Map<string, Value>;
      if (![...this.value.keys()].some((k) => typeof k === 'number') || map.has('ix_compat')) return map;
      map.set('ix_compat', new NullValue(null));
      map.set('get', new FunctionValue(([key, fallback]) => this.value.get(key?.value) ?? fallback ?? new NullValue(null)));
      map.set('dictsort', new FunctionValue(() => {
        const keys = [...this.value.keys()];
        if (!keys.every((k) => typeof k === 'number')) throw new Error("dictsort: '<' between int and str keys");
        return new ArrayValue((keys as number[]).sort((a, b) => a - b).map((k) => new ArrayValue([new IntegerValue(k), this.value.get(k)!])));
      }));
      return map;
    },
  });
  const member = proto.evaluateMemberExpression;
  proto.evaluateMemberExpression = function (this: typeof proto, node, environment) {
    if (node.computed && node.property?.type !== 'SliceExpression') {
      const key = this.evaluate(node.property, environment);
      if (key.type === 'IntegerValue') {
        const object = this.evaluate(node.object, environment);
        if (object.type === 'ObjectValue') return (object.value as Map<unknown, Value>).get(key.value) ?? new UndefinedValue(undefined);
      }
    } else if (!node.computed && node.property?.value === 'format') {
      const object = this.evaluate(node.object, environment);
      if (object.type === 'StringValue') return new FunctionValue((args) => new StringValue(pythonFormat(object.value as string, args)));
    }
    return member.call(this, node, environment);
  };

  // Markup + str escapes the str; str + Markup too; either way the result is Markup
  const binary = proto.evaluateBinaryExpression;
  proto.evaluateBinaryExpression = function (this: typeof proto, node, environment) {
    if (node.operator?.value !== '+') return binary.call(this, node, environment);
    const left = this.evaluate(node.left, environment) as Marked;
    const right = this.evaluate(node.right, environment) as Marked;
    if ((left.markup || right.markup) && left.type === 'StringValue' && right.type === 'StringValue') {
      const text = (v: Marked) => (v.markup ? (v.value as string) : escapeHtml(v.value as string));
      return markup(new StringValue(text(left) + text(right)));
    }
    // the operands are already evaluated: hand the original literals of their values
    return binary.call(this, { ...node, left: literalOf(left), right: literalOf(right) }, environment);
  };

  const evaluateBlock = proto.evaluateBlock;
  proto.evaluateBlock = function (this: typeof proto, statements, environment) {
    if (!statements.some((s) => !STATEMENTS.has(s.type))) return evaluateBlock.call(this, statements, environment);
    let out = '';
    for (const s of statements) {
      // one statement at a time through the original, so its own rules (undefined prints nothing) hold
      const value = STATEMENTS.has(s.type) ? evaluateBlock.call(this, [s], environment) : this.evaluate(s, environment);
      out += value.type === 'NullValue' ? 'None' : value.type === 'UndefinedValue' ? '' : String((value as { toString(): string }).toString());
    }
    return new StringValue(out);
  };
}

function markup(v: Value): Value {
  (v as Marked).markup = true;
  return v;
}

/** markupsafe.escape of a str */
function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;').replace(/"/g, '&#34;');
}

/** a node that evaluates to `v` again (a value already computed, handed back to the original code) */
function literalOf(v: Value): Node {
  return { type: 'ix_compat_value', value: v };
}

/** Python's str.format: auto-numbered, numbered and named fields, !s / !r, no format specs */
function pythonFormat(template: string, args: Value[]): string {
  const kwargs = args.at(-1)?.type === 'KeywordArgumentsValue' ? (args.pop()!.value as Map<string, Value>) : new Map<string, Value>();
  let auto = 0;
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (whole, field: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const [, name = '', conversion] = /^([^!:]*)(?:!([rs]))?(?::(.*))?$/.exec(field!) ?? [];
    if (/:/.test(field!)) throw new Error(`str.format: format specs are not supported ({${field}})`);
    const value = name === '' ? args[auto++] : /^\d+$/.test(name) ? args[Number(name)] : kwargs.get(name);
    if (value === undefined) throw new Error(`str.format: no value for {${field}}`);
    return conversion === 'r' || value.type !== 'StringValue' ? pythonRepr(value) : (value.value as string);
  });
}

/** Python's repr of a template value: dicts and lists as Python prints them */
function pythonRepr(v: Value): string {
  switch (v.type) {
    case 'NullValue':
    case 'UndefinedValue':
      return 'None';
    case 'BooleanValue':
      return v.value ? 'True' : 'False';
    case 'StringValue':
      return pyString(v.value as string);
    case 'FloatValue':
      return Number.isInteger(v.value) ? (v.value as number).toFixed(1) : String(v.value);
    case 'ArrayValue':
      return `[${(v.value as Value[]).map(pythonRepr).join(', ')}]`;
    case 'TupleValue': {
      const items = (v.value as Value[]).map(pythonRepr);
      return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    }
    case 'ObjectValue':
    case 'KeywordArgumentsValue':
      return `{${[...(v.value as Map<unknown, Value>)].map(([k, x]) => `${typeof k === 'number' ? String(k) : pyString(String(k))}: ${pythonRepr(x)}`).join(', ')}}`;
    default:
      return String(v.value);
  }
}

/** Python's str repr: single quotes unless the text has one and no double quote */
function pyString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return quote + out + quote;
}
