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

/** node types that are statements; every other top-level node of a block is an output expression */
const STATEMENTS = new Set(['Program', 'If', 'For', 'Break', 'Continue', 'Set', 'Macro', 'Comment', 'FilterStatement', 'CallStatement']);
const SELECTING = new Set(['select', 'reject', 'selectattr', 'rejectattr', 'map']);

let installed = false;

export function installJinjaCompat(): void {
  if (installed) return;
  installed = true;
  const proto = Interpreter.prototype as unknown as { applyFilter: ApplyFilter; evaluateBlock: EvaluateBlock; evaluate(node: unknown, env: Environment): Value };
  const probe = new Interpreter(new Environment()) as unknown as typeof proto;
  const env = new Environment();
  const classOf = (node: unknown) => probe.evaluate(node, env).constructor as ValueClass;
  const StringValue = classOf({ type: 'StringLiteral', value: '' });
  const ArrayValue = classOf({ type: 'ArrayLiteral', value: [] });

  const applyFilter = proto.applyFilter;
  proto.applyFilter = function (this: typeof proto, operand, filter, environment) {
    const name = filter.type === 'Identifier' ? filter.value : filter.type === 'CallExpression' ? filter.callee?.value : undefined;
    const none = operand.type === 'NullValue', undefinedValue = operand.type === 'UndefinedValue';
    if ((none || undefinedValue) && name && SELECTING.has(name)) return new ArrayValue([]);
    if (name === 'trim' && (none || undefinedValue)) return new StringValue(none ? 'None' : '');
    if (name === 'string' && (operand.type === 'ObjectValue' || operand.type === 'ArrayValue' || operand.type === 'TupleValue')) return new StringValue(pythonRepr(operand));
    if ((name === 'min' || name === 'max') && (operand.type === 'ArrayValue' || operand.type === 'TupleValue')) {
      const items = operand.value as Value[];
      if (items.length === 0) return applyFilter.call(this, operand, filter, environment);
      return items.reduce((best, x) => ((name === 'min' ? (x.value as number) < (best.value as number) : (x.value as number) > (best.value as number)) ? x : best));
    }
    return applyFilter.call(this, operand, filter, environment);
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
      return `{${[...(v.value as Map<string, Value>)].map(([k, x]) => `${pyString(k)}: ${pythonRepr(x)}`).join(', ')}}`;
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
