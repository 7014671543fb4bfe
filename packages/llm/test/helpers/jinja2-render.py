"""Renders every chat template in a folder with Python's jinja2 the way transformers'
apply_chat_template does (sandboxed, trim_blocks, lstrip_blocks, loopcontrols, the `generation`
tag, its tojson, raise_exception and strftime_now), for each case of a JSON file; prints
{template: {case: {"ok": text} | {"err": message}}} as JSON."""
import json
import os
import sys
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


class AssistantTracker(Extension):
    # transformers marks assistant text with {% generation %}: rendering, it is the body itself
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return datetime.now().strftime(fmt)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker, loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now

folder, cases_file = sys.argv[1], sys.argv[2]
with open(cases_file, encoding="utf-8") as f:
    cases = json.load(f)
out = {}
for name in sorted(os.listdir(folder)):
    if not name.endswith(".jinja"):
        continue
    with open(os.path.join(folder, name), encoding="utf-8") as f:
        source = f.read()
    results = {}
    for case, variables in cases.items():
        try:
            results[case] = {"ok": env.from_string(source).render(**variables)}
        except Exception as e:  # a template may refuse an input (raise_exception): recorded, not fatal
            results[case] = {"err": f"{type(e).__name__}: {e}"}
    out[name] = results
json.dump(out, sys.stdout, ensure_ascii=False)
