#!/usr/bin/env python3
"""Conformance test: a running tcplensd against schema/openapi.yaml.

usage: check_openapi.py BASE_URL OPENAPI_YAML SAMPLE_PCAP [--api-key KEY] [--max-upload BYTES]

BASE_URL is the server (e.g. http://127.0.0.1:PORT), already running with an empty or
throw-away database; OPENAPI_YAML is schema/openapi.yaml; SAMPLE_PCAP a small pcap with at
least one TCP connection. When the server runs with an API key, pass it with --api-key (or
in TCPLENS_API_KEY, the server's own variable). When it runs with a small --max-upload
(up to 1M), pass the same value to check the 413 too.

The script
  - checks that the YAML is a structurally valid OpenAPI 3.0 document (with
    openapi_spec_validator when it is installed, and always with its own checks);
  - checks that GET /api/v1/openapi.yaml serves exactly that file;
  - uploads SAMPLE_PCAP and calls every documented path and method at least once, with real
    ids, plus documented errors (404 for a missing id, 400 for a bad parameter...);
  - validates every answer against the spec: the status must be documented for that
    operation, the Content-Type must be one of the documented media types, a JSON body must
    match the documented schema, required headers must be present;
  - checks what the contract (docs/api.md) promises on top: Location, paging, filters, lang,
    405 with Allow, 404 on an unknown route;
  - deletes what it created.

One line per check; exits 1 if any check failed. Needs Python 3 with PyYAML and jsonschema
(Debian: python3-yaml python3-jsonschema); nothing else.
"""

import ipaddress
import json
import time
import os
import re
import struct
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

try:
    import yaml
except ImportError:
    sys.exit("check_openapi: PyYAML is missing (Debian: apt-get install python3-yaml)")
try:
    import jsonschema
except ImportError:
    sys.exit("check_openapi: jsonschema is missing (Debian: apt-get install python3-jsonschema)")

TIMEOUT = 10  # seconds, every request
MAX_REQUESTS = 200  # hard bound on the number of requests
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
CJK = re.compile("[\u4e00-\u9fff]")


# ------------------------------------------------------------------------------- reporting

class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, what):
        self.passed += 1
        print("ok   " + what, flush=True)

    def fail(self, what, why):
        self.failed += 1
        print("FAIL " + what + ": " + why, flush=True)

    def check(self, cond, what, why="not as documented"):
        if cond:
            self.ok(what)
        else:
            self.fail(what, why)
        return bool(cond)


R = Report()


class Abort(Exception):
    """A failure after which the remaining checks cannot run."""


# ------------------------------------------------------------------------------- the spec

def resolve_pointer(spec, ref):
    if not isinstance(ref, str) or not ref.startswith("#/"):
        raise KeyError("only local references are supported: %r" % (ref,))
    node = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise KeyError("unresolved $ref %s" % ref)
        node = node[part]
    return node


def deref(spec, node):
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            raise KeyError("$ref loop at %s" % ref)
        seen.add(ref)
        node = resolve_pointer(spec, ref)
    return node


OAS_ONLY = {"nullable", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs",
            "example", "deprecated"}


def to_jsonschema(spec, node, stack=()):
    """An OpenAPI 3.0 schema object as a self-contained draft-4 JSON Schema: $refs inlined,
    `nullable: true` turned into a type list (or an anyOf with null)."""
    if isinstance(node, bool):
        return node
    if not isinstance(node, dict):
        raise ValueError("schema is not an object: %r" % (node,))
    if "$ref" in node:
        ref = node["$ref"]
        if ref in stack:
            raise ValueError("recursive schema %s is not supported" % ref)
        return to_jsonschema(spec, resolve_pointer(spec, ref), stack + (ref,))
    out = {}
    for key, val in node.items():
        if key in OAS_ONLY:
            continue
        if key == "properties":
            out[key] = {k: to_jsonschema(spec, v, stack) for k, v in val.items()}
        elif key in ("items", "not"):
            out[key] = to_jsonschema(spec, val, stack)
        elif key == "additionalProperties":
            out[key] = val if isinstance(val, bool) else to_jsonschema(spec, val, stack)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [to_jsonschema(spec, v, stack) for v in val]
        else:
            out[key] = val
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = list(out["enum"]) + [None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def format_checker():
    fc = jsonschema.FormatChecker(formats=())
    rfc3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

    @fc.checks("date-time")
    def _date_time(value):
        if not isinstance(value, str):
            return True
        return bool(rfc3339.match(value))

    return fc


FORMATS = format_checker()


def schema_errors(schema, instance, limit=3):
    v = jsonschema.Draft4Validator(schema, format_checker=FORMATS)
    errs = sorted(v.iter_errors(instance), key=lambda e: list(e.absolute_path))
    out = []
    for e in errs[:limit]:
        path = "/" + "/".join(str(p) for p in e.absolute_path)
        msg = e.message
        if len(msg) > 300:
            msg = msg[:300] + "..."
        if e.context:  # oneOf/anyOf: say why the best branch failed
            best = jsonschema.exceptions.best_match(e.context)
            msg += " [" + "/".join(str(p) for p in best.absolute_path) + ": " + best.message[:200] + "]"
        out.append("at %s: %s" % (path, msg))
    if len(errs) > limit:
        out.append("... %d more" % (len(errs) - limit))
    return out


def walk_refs(spec, node, where="#"):
    bad = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                try:
                    resolve_pointer(spec, v)
                except KeyError as e:
                    bad.append("%s: %s" % (where, e))
            else:
                bad += walk_refs(spec, v, where + "/" + str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            bad += walk_refs(spec, v, "%s/%d" % (where, i))
    return bad


SCHEMA_KEYS = {"title", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
               "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
               "maxProperties", "minProperties", "required", "enum", "type", "allOf", "oneOf",
               "anyOf", "not", "items", "properties", "additionalProperties", "description",
               "format", "default", "nullable", "discriminator", "readOnly", "writeOnly", "xml",
               "externalDocs", "example", "deprecated", "$ref"}


def schema_key_problems(node, where):
    """Unknown keywords in an OpenAPI 3.0 schema object (a YAML slip such as an unquoted
    comma in a flow mapping shows up as one)."""
    if not isinstance(node, dict):
        return ["%s: a schema must be a mapping, got %r" % (where, node)]
    p = ["%s: unknown schema keyword %r" % (where, k) for k in node
         if k not in SCHEMA_KEYS and not str(k).startswith("x-")]
    if node.get("type") not in (None, "integer", "number", "string", "boolean", "array", "object"):
        p.append("%s: bad type %r" % (where, node.get("type")))
    for k, v in (node.get("properties") or {}).items():
        p += schema_key_problems(v, "%s/properties/%s" % (where, k))
    for k in ("items", "not"):
        if k in node:
            p += schema_key_problems(node[k], "%s/%s" % (where, k))
    if isinstance(node.get("additionalProperties"), dict):
        p += schema_key_problems(node["additionalProperties"], where + "/additionalProperties")
    for k in ("allOf", "anyOf", "oneOf"):
        for i, v in enumerate(node.get(k) or []):
            p += schema_key_problems(v, "%s/%s/%d" % (where, k, i))
    return p


def all_schemas(spec):
    """(where, schema) of every schema object the document holds outside components/schemas."""
    found = []

    def media(content, where):
        for mt, m in (content or {}).items():
            if isinstance(m, dict) and "schema" in m:
                found.append(("%s/%s" % (where, mt), m["schema"]))

    comps = spec.get("components") or {}
    for name, prm in (comps.get("parameters") or {}).items():
        if isinstance(prm, dict) and "schema" in prm:
            found.append(("#/components/parameters/" + name, prm["schema"]))
    for name, h in (comps.get("headers") or {}).items():
        if isinstance(h, dict) and "schema" in h:
            found.append(("#/components/headers/" + name, h["schema"]))
    for name, r in (comps.get("responses") or {}).items():
        if isinstance(r, dict):
            media(r.get("content"), "#/components/responses/" + name)
    for path, item in (spec.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for m, op in item.items():
            if m not in METHODS or not isinstance(op, dict):
                continue
            where = "%s %s" % (m.upper(), path)
            for prm in op.get("parameters", []):
                if isinstance(prm, dict) and "schema" in prm:
                    found.append(("%s parameter %s" % (where, prm.get("name")), prm["schema"]))
            if isinstance(op.get("requestBody"), dict):
                media(op["requestBody"].get("content"), where + " requestBody")
            for code, r in (op.get("responses") or {}).items():
                if isinstance(r, dict):
                    media(r.get("content"), "%s %s" % (where, code))
    return found


def basic_spec_problems(spec):
    """Structural checks of an OpenAPI 3.0 document (what matters for this API)."""
    p = []
    if not isinstance(spec, dict):
        return ["the document is not a mapping"]
    if not re.match(r"^3\.0\.\d+$", str(spec.get("openapi", ""))):
        p.append("`openapi` must be 3.0.x, got %r" % spec.get("openapi"))
    info = spec.get("info")
    if not isinstance(info, dict) or not isinstance(info.get("title"), str) \
            or not isinstance(info.get("version"), str):
        p.append("`info` needs string `title` and `version`")
    paths = spec.get("paths")
    if not isinstance(paths, dict) or not paths:
        return p + ["`paths` is missing or empty"]
    p += walk_refs(spec, spec)
    if p:
        return p
    comps = spec.get("components", {}) or {}
    schemes = (comps.get("securitySchemes") or {})
    op_ids = set()
    shapes = {}
    for path, item in paths.items():
        if not path.startswith("/"):
            p.append("path %r does not start with /" % path)
        shape = re.sub(r"\{[^}/]+\}", "{}", path)
        if shape in shapes:
            p.append("paths %r and %r are the same template" % (shapes[shape], path))
        shapes[shape] = path
        if not isinstance(item, dict):
            p.append("%s: not a mapping" % path)
            continue
        templ = set(re.findall(r"\{([^}/]+)\}", path))
        path_params = [deref(spec, x) for x in item.get("parameters", [])]
        ops = [m for m in item if m in METHODS]
        if not ops:
            p.append("%s: no operation" % path)
        for m in item:
            if m not in METHODS and m not in ("parameters", "summary", "description", "servers",
                                              "$ref") and not m.startswith("x-"):
                p.append("%s: unknown key %r" % (path, m))
        for m in ops:
            op = item[m]
            where = "%s %s" % (m.upper(), path)
            if not isinstance(op, dict):
                p.append(where + ": not a mapping")
                continue
            oid = op.get("operationId")
            if oid is not None:
                if oid in op_ids:
                    p.append(where + ": duplicate operationId %s" % oid)
                op_ids.add(oid)
            params = {}
            for prm in path_params + [deref(spec, x) for x in op.get("parameters", [])]:
                if not isinstance(prm, dict) or "name" not in prm or "in" not in prm:
                    p.append(where + ": parameter without name/in")
                    continue
                if prm["in"] not in ("query", "header", "path", "cookie"):
                    p.append(where + ": parameter %s has bad `in`" % prm["name"])
                if ("schema" in prm) == ("content" in prm):
                    p.append(where + ": parameter %s needs exactly one of schema/content"
                             % prm["name"])
                if prm["in"] == "path" and prm.get("required") is not True:
                    p.append(where + ": path parameter %s must be required" % prm["name"])
                params[(prm["name"], prm["in"])] = prm
            declared = {n for (n, i) in params if i == "path"}
            if declared != templ:
                p.append(where + ": path parameters %s do not match the template %s"
                         % (sorted(declared), sorted(templ)))
            rb = op.get("requestBody")
            if rb is not None:
                rb = deref(spec, rb)
                if not isinstance(rb.get("content"), dict) or not rb["content"]:
                    p.append(where + ": requestBody without content")
            resps = op.get("responses")
            if not isinstance(resps, dict) or not resps:
                p.append(where + ": no responses")
                continue
            for code, r in resps.items():
                if not re.match(r"^([1-5](\d\d|XX)|default)$", str(code)) \
                        or not isinstance(code, str):
                    p.append(where + ": response key %r must be a quoted status code" % (code,))
                r = deref(spec, r)
                if not isinstance(r, dict) or not isinstance(r.get("description"), str):
                    p.append(where + " %s: response without description" % code)
                    continue
                for mt, media in (r.get("content") or {}).items():
                    if "/" not in mt:
                        p.append(where + " %s: bad media type %r" % (code, mt))
            for req in op.get("security", spec.get("security", [])) or []:
                for name in req:
                    if name not in schemes:
                        p.append(where + ": unknown security scheme %s" % name)
    for where, s in all_schemas(spec):
        p += schema_key_problems(s, where)
    # every schema must use OpenAPI's keywords only and become a valid JSON Schema
    for name, s in (comps.get("schemas") or {}).items():
        p += schema_key_problems(s, "#/components/schemas/" + name)
        try:
            js = to_jsonschema(spec, s)
            jsonschema.Draft4Validator.check_schema(js)
        except Exception as e:  # noqa: BLE001 - report any problem with the schema
            p.append("components/schemas/%s: %s" % (name, str(e).splitlines()[0][:200]))
    return p


# ------------------------------------------------------------------------------- HTTP

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx is answered as is and then judged against the spec


class Http:
    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        if u.scheme not in ("http", "https") or not u.netloc:
            raise SystemExit("check_openapi: BASE_URL must be http://HOST:PORT, got %r" % base)
        self.base = base.rstrip("/")
        # no proxy (only BASE_URL is ever contacted), no redirect following
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)
        self.count = 0

    def request(self, method, path, query=None, body=None, headers=None):
        self.count += 1
        if self.count > MAX_REQUESTS:
            raise Abort("more than %d requests: stopping" % MAX_REQUESTS)
        url = self.base + path
        if query:
            url += "?" + urllib.parse.urlencode(query, safe="/:", quote_via=urllib.parse.quote)
        hdrs = dict(headers or {})
        if body is not None and "Content-Type" not in hdrs:
            hdrs["Content-Type"] = "application/octet-stream"
        req = urllib.request.Request(url, data=body, method=method, headers=hdrs)
        try:
            resp = self.opener.open(req, timeout=TIMEOUT)
            status, rh, data = resp.status, resp.headers, resp.read()
            resp.close()
        except urllib.error.HTTPError as e:
            status, rh = e.code, e.headers
            try:
                data = e.read()
            except Exception:  # noqa: BLE001 - a body cut short is judged as empty
                data = b""
            e.close()
        except (urllib.error.URLError, OSError) as e:
            raise Abort("%s %s: no answer from the server: %s" % (method, url, e)) from e
        return status, rh, data


def multipart(parts):
    """parts: (name, filename or None, content type or None, bytes). Returns body, type."""
    boundary = "----tcplens-check-" + uuid.uuid4().hex
    out = []
    for name, filename, ctype, data in parts:
        disp = 'form-data; name="%s"' % name
        if filename is not None:
            disp += '; filename="%s"' % filename
        head = "--%s\r\nContent-Disposition: %s\r\n" % (boundary, disp)
        if ctype:
            head += "Content-Type: %s\r\n" % ctype
        out.append(head.encode() + b"\r\n" + data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


def media_type(headers):
    return (headers.get("Content-Type") or "").split(";")[0].strip().lower()


# ------------------------------------------------------------------------------- the checker

class Checker:
    def __init__(self, base, spec, spec_bytes, sample, api_key, max_upload=None):
        self.http = Http(base)
        self.spec = spec
        self.spec_bytes = spec_bytes
        self.sample = sample
        self.api_key = api_key
        self.max_upload = max_upload
        self.exercised = set()
        self.created = []  # capture ids to delete at the end
        self.raw_upload = None
        self.schema_cache = {}

    # -- helpers --------------------------------------------------------------------------

    def operation(self, template, method):
        item = self.spec["paths"].get(template)
        if not isinstance(item, dict) or method.lower() not in item:
            return None, None
        op = item[method.lower()]
        params = {}
        for prm in item.get("parameters", []) + op.get("parameters", []):
            prm = deref(self.spec, prm)
            params[(prm["name"], prm["in"])] = prm
        return op, params

    def auth(self, headers):
        h = dict(headers or {})
        if self.api_key is not None:
            h.setdefault("Authorization", "Bearer " + self.api_key)
        return h

    def json_schema(self, node):
        key = json.dumps(node, sort_keys=True, default=str)
        if key not in self.schema_cache:
            self.schema_cache[key] = to_jsonschema(self.spec, node)
        return self.schema_cache[key]

    def call(self, method, template, path_params=None, query=None, body=None, headers=None,
             expect=None, code=None, label=""):
        """One request to a documented operation; the answer is checked against the spec.
        expect: the status the contract calls for; code: the error code expected with it.
        Returns (status, headers, body bytes, parsed JSON or None), or None when it failed."""
        what = "%s %s%s" % (method, template, (" " + label) if label else "")
        op, params = self.operation(template, method)
        if op is None:
            R.fail(what, "the checker calls an operation the spec does not document")
            return None
        for k in (query or {}):
            if (k, "query") not in params:
                R.fail(what, "the checker uses query parameter %r the spec does not document" % k)
                return None
        for (name, where), prm in params.items():
            if where == "path" and name not in (path_params or {}):
                R.fail(what, "the checker does not fill path parameter %r" % name)
                return None
        self.exercised.add((template, method.lower()))
        path = template
        for k, v in (path_params or {}).items():
            path = path.replace("{%s}" % k, urllib.parse.quote(str(v), safe=""))
        if method in ("POST", "PUT", "DELETE"):
            headers = self.auth(headers)
        status, rh, data = self.http.request(method, path, query, body, headers)
        res = self.judge(what, op, status, rh, data, expect, code)
        return res

    def judge(self, what, op, status, rh, data, expect, code):
        what = "%s -> %d" % (what, status)
        responses = op.get("responses", {})
        rkey = str(status)
        if rkey not in responses:
            rkey = "%dXX" % (status // 100)
            if rkey not in responses:
                rkey = "default"
        if rkey not in responses:
            R.fail(what, "status %d is not documented for this operation (documented: %s)%s"
                   % (status, ", ".join(sorted(str(k) for k in responses)), snippet(data)))
            return None
        if expect is not None and status != expect:
            R.fail(what, "expected %d here%s" % (expect, snippet(data)))
            return None
        resp = deref(self.spec, responses[rkey])
        problems = []
        for hname, h in (resp.get("headers") or {}).items():
            h = deref(self.spec, h)
            if h.get("required") and rh.get(hname) is None:
                problems.append("header %s is missing" % hname)
        content = resp.get("content") or {}
        parsed = None
        json_broken = False
        mt = media_type(rh)
        if not content:
            if data:
                problems.append("a body (%d bytes) where the spec documents none" % len(data))
        elif mt not in content:
            problems.append("Content-Type %r is not one of the documented %s"
                            % (rh.get("Content-Type"), sorted(content)))
        else:
            schema = content[mt].get("schema")
            if mt == "application/json" or mt.endswith("+json"):
                try:
                    parsed = json.loads(data.decode("utf-8"))
                except (UnicodeDecodeError, ValueError) as e:
                    problems.append("body is not UTF-8 JSON: %s%s" % (e, snippet(data)))
                    json_broken = True
                    schema = None
                if schema is not None:
                    problems += schema_errors(self.json_schema(schema), parsed)
            elif mt.startswith("text/") or mt in ("application/yaml", "image/svg+xml"):
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    problems.append("text body is not UTF-8")
        if code is not None and parsed is not None and not problems:
            got = (parsed.get("error") or {}).get("code") if isinstance(parsed, dict) else None
            if got != code:
                problems.append("error code %r, expected %r" % (got, code))
        if problems:
            R.fail(what, "; ".join(problems))
        else:
            R.ok(what)
        if json_broken:
            return None
        # answered as expected: later checks may use the body even if it broke the schema
        return status, rh, data, parsed

    def raw(self, method, path, query=None, body=None, headers=None):
        if method in ("POST", "PUT", "DELETE", "PATCH"):
            headers = self.auth(headers)
        return self.http.request(method, path, query, body, headers)

    def component_schema(self, name):
        return self.json_schema({"$ref": "#/components/schemas/" + name})

    # -- the checks -----------------------------------------------------------------------

    def step(self, name, fn, *args):
        """Runs one group of checks; a body without what the group needs fails that group
        only (the schema check has already said what is wrong with it)."""
        try:
            return fn(*args)
        except (KeyError, TypeError, IndexError, AttributeError, ValueError) as e:
            R.fail(name, "an answer lacks what these checks need (%s: %s)"
                   % (type(e).__name__, e))
            return None

    def run(self):
        try:
            self.step("openapi.yaml", self.check_served_spec)
            self.step("service routes", self.check_service)
            cap = self.check_uploads()
            self.step("capture reads", self.check_capture_reads, cap)
            flow = self.step("flow list", self.check_flow_list, cap)
            if flow is None:
                R.fail("flow reads", "skipped: the flow list failed")
            else:
                self.step("flow reads", self.check_flow_reads, flow)
            self.step("examples", self.check_examples)
            self.step("annotations", self.check_annotations, cap, flow or cap["flows"][0])
            self.step("methods and unknown routes", self.check_methods_and_unknown_routes,
                      cap, flow or cap["flows"][0])
            self.step("deletes", self.check_deletes)
        except Abort as e:
            R.fail("run", str(e))
        finally:
            try:
                self.cleanup()
            except Abort as e:
                R.fail("cleanup", str(e))
        self.check_coverage()

    def check_served_spec(self):
        r = self.call("GET", "/api/v1/openapi.yaml", expect=200)
        if r:
            R.check(r[2] == self.spec_bytes, "GET /api/v1/openapi.yaml serves the file byte for byte",
                    "the served document (%d bytes) differs from %s (%d bytes)"
                    % (len(r[2]), os.path.basename(SPEC_PATH), len(self.spec_bytes)))

    def check_service(self):
        self.call("GET", "/healthz", expect=200)
        r = self.call("GET", "/metrics", expect=200)
        if r:
            text = r[2].decode("utf-8", "replace")
            sample = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?\s+\S+(\s+-?\d+)?$")
            bad = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")
                   and not sample.match(ln)]
            samples = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
            R.check(samples and not bad, "GET /metrics is Prometheus text",
                    "bad line %r" % (bad[0] if bad else "(no sample at all)"))
        for p in ("/", "/index.html"):
            self.call("GET", p, expect=200)

    def upload_ok(self, r, what, name=None, size=None):
        """Checks an upload's 201: Location, name, size. Returns the body or None."""
        if not r:
            return None
        _, rh, _, body = r
        cap = body["capture"]
        cid = cap.get("id")
        if isinstance(cid, int):
            self.created.append(cid)
        loc = rh.get("Location", "")
        loc_path = urllib.parse.urlsplit(loc).path
        R.check(loc_path == "/api/v1/captures/%s" % cid, what + ": Location names the capture",
                "Location %r, capture id %r" % (loc, cid))
        if name is not None:
            R.check(cap.get("name") == name, what + ": the capture keeps its name",
                    "name %r, sent %r" % (cap.get("name"), name))
        if size is not None:
            R.check(cap.get("size_bytes") == size, what + ": size_bytes is the file's size",
                    "size_bytes %r, file %d" % (cap.get("size_bytes"), size))
        flows = body["flows"]
        R.check(all(f.get("capture") == cid for f in flows)
                and len(flows) == min(cap.get("flows", -1), 100)
                and [f.get("index") for f in flows] == list(range(len(flows))),
                what + ": flows belong to it, in capture order, first page",
                "capture.flows=%r, %d flows listed" % (cap.get("flows"), len(flows)))
        return body

    def check_uploads(self):
        tag = "check-openapi-%d-%s" % (os.getpid(), uuid.uuid4().hex[:6])
        size = len(self.sample)
        body, ctype = multipart([("name", None, None, (tag + "-multipart.pcap").encode()),
                                 ("file", "sample.pcap", "application/vnd.tcpdump.pcap",
                                  self.sample)])
        r = self.call("POST", "/api/v1/captures", body=body, headers={"Content-Type": ctype},
                      expect=201, label="(multipart)")
        main = r and self.step("upload multipart", self.upload_ok, r, "upload multipart",
                               tag + "-multipart.pcap", size)
        if main is None:
            raise Abort("the sample upload failed: nothing more can be checked")
        if main["capture"]["flows"] < 1 or not main["flows"]:
            raise Abort("SAMPLE_PCAP has no TCP connection: nothing more can be checked")

        r = self.call("POST", "/api/v1/captures", query={"name": tag + "-raw.pcap"},
                      body=self.sample, expect=201, label="(raw, ?name=)")
        self.raw_upload = r and self.step("upload raw", self.upload_ok, r, "upload raw",
                                          tag + "-raw.pcap", size)

        r = self.call("PUT", "/api/v1/captures/{id}", {"id": tag + "-put.pcap"},
                      body=self.sample, expect=201, label="(name)")
        self.put_upload = r and self.step("PUT upload", self.upload_ok, r, "PUT upload",
                                          tag + "-put.pcap", size)

        # the upload answers like GET /api/v1/captures/{id}
        r = self.call("GET", "/api/v1/captures/{id}", {"id": main["capture"]["id"]}, expect=200)
        if r:
            R.check(r[3] == main, "GET /api/v1/captures/{id} equals the upload's answer",
                    "the two bodies differ")

        # documented upload errors
        body, ctype = multipart([("name", None, None, b"no-file-part")])
        self.call("POST", "/api/v1/captures", body=body, headers={"Content-Type": ctype},
                  expect=400, code="bad_request", label="(multipart without file)")
        self.call("POST", "/api/v1/captures", body=b"", expect=400, code="bad_request",
                  label="(empty body)")
        self.call("PUT", "/api/v1/captures/{id}", {"id": tag + "-empty.pcap"}, body=b"",
                  expect=400, code="bad_request", label="(empty body)")
        self.call("POST", "/api/v1/captures", query={"name": "junk.txt"},
                  body=b"this is not a capture file\n" * 4, expect=415, code="not_a_capture",
                  label="(not a capture)")
        # a valid pcap header, then a record libpcap refuses (caplen past the snapshot length)
        broken = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1) \
            + struct.pack("<IIII", 1, 0, 0x7FFFFFFF, 0x7FFFFFFF) + b"\0" * 64
        self.call("POST", "/api/v1/captures", query={"name": "broken.pcap"}, body=broken,
                  expect=422, code="unreadable_capture", label="(unreadable capture)")
        if self.api_key is not None:
            self.call("POST", "/api/v1/captures", body=self.sample,
                      headers={"Authorization": "Bearer wrong-" + self.api_key},
                      expect=401, code="unauthorized", label="(wrong key)")
        if self.max_upload is not None:
            big = broken[:24] + b"\0" * (self.max_upload + 1 - 24)
            try:
                self.call("POST", "/api/v1/captures", query={"name": "too-large.pcap"}, body=big,
                          expect=413, code="too_large", label="(--max-upload + 1 bytes)")
            except Abort as e:
                R.fail("POST /api/v1/captures (--max-upload + 1 bytes)", str(e))
        return main

    def check_capture_reads(self, main):
        cid = main["capture"]["id"]
        first_summary = main["flows"][0]["summary"]
        # list, paging, newest first
        r = self.call("GET", "/api/v1/captures", expect=200)
        if r:
            R.check(any(c["id"] == cid for c in r[3]["captures"]), "capture list holds the upload",
                    "capture %d is missing" % cid)
        r = self.call("GET", "/api/v1/captures", query={"limit": 1}, expect=200, label="limit=1")
        if r:
            page1 = r[3]
            ok = len(page1["captures"]) == 1 and page1["next_cursor"] is not None
            R.check(ok, "capture list pages by limit and gives next_cursor",
                    "%d captures, next_cursor %r (3 were uploaded)"
                    % (len(page1["captures"]), page1["next_cursor"]))
            if ok:
                r = self.call("GET", "/api/v1/captures",
                              query={"limit": 1, "cursor": page1["next_cursor"]},
                              expect=200, label="cursor")
                if r and r[3]["captures"]:
                    a, b = page1["captures"][0], r[3]["captures"][0]
                    R.check(a["id"] != b["id"] and a["uploaded_at"] >= b["uploaded_at"],
                            "capture list: the next page follows, newest first",
                            "page 1 %r (%s), page 2 %r (%s)"
                            % (a["id"], a["uploaded_at"], b["id"], b["uploaded_at"]))
        for q, param in (({"limit": 0}, "limit"), ({"limit": 1001}, "limit"),
                         ({"limit": "abc"}, "limit"), ({"cursor": "%%not-a-cursor%%"}, "cursor")):
            self.bad_param("GET", "/api/v1/captures", None, q, param)
        # one capture, languages
        r = self.call("GET", "/api/v1/captures/{id}", {"id": cid}, query={"lang": "zh"},
                      expect=200, label="lang=zh")
        if r:
            s = r[3]["flows"][0]["summary"]
            R.check(CJK.search(s) and s != first_summary, "lang=zh gives Chinese summaries",
                    "summary %r" % s[:80])
        r = self.call("GET", "/api/v1/captures/{id}", {"id": cid},
                      headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}, expect=200,
                      label="Accept-Language: zh-CN")
        if r:
            s = r[3]["flows"][0]["summary"]
            R.check(CJK.search(s), "Accept-Language zh-CN gives Chinese", "summary %r" % s[:80])
        r = self.call("GET", "/api/v1/captures/{id}", {"id": cid}, query={"lang": "en"},
                      headers={"Accept-Language": "zh"}, expect=200, label="lang=en over zh")
        if r:
            R.check(r[3]["flows"][0]["summary"] == first_summary, "lang overrides Accept-Language",
                    "summary %r" % r[3]["flows"][0]["summary"][:80])
        self.bad_param("GET", "/api/v1/captures/{id}", {"id": cid}, {"lang": "xx"}, "lang")
        # the first page's size
        r = self.call("GET", "/api/v1/captures/{id}", {"id": cid}, query={"limit": 1},
                      expect=200, label="limit=1")
        if r:
            body = r[3]
            more = body["capture"]["flows"] > 1
            R.check(len(body["flows"]) == min(1, body["capture"]["flows"])
                    and (body["next_cursor"] is not None) == more,
                    "GET /api/v1/captures/{id}?limit=1 lists one flow, next_cursor when more",
                    "%d flows of %d, next_cursor %r" % (len(body["flows"]), body["capture"]["flows"],
                                                         body["next_cursor"]))
        for q in ({"limit": 0}, {"limit": 1001}, {"limit": "abc"}):
            self.bad_param("GET", "/api/v1/captures/{id}", {"id": cid}, q, "limit")
        self.call("GET", "/api/v1/captures/{id}", {"id": 999999999}, expect=404,
                  code="not_found", label="(missing)")
        # the original file
        r = self.call("GET", "/api/v1/captures/{id}/pcap", {"id": cid}, expect=200)
        if r:
            R.check(r[2] == self.sample, "capture pcap is the file as uploaded",
                    "%d bytes back, %d uploaded" % (len(r[2]), len(self.sample)))
        self.call("GET", "/api/v1/captures/{id}/pcap", {"id": 999999999}, expect=404,
                  code="not_found", label="(missing)")

    def bad_param(self, method, template, path_params, query, param):
        label = "(bad %s)" % "&".join("%s=%s" % kv for kv in query.items())
        r = self.call(method, template, path_params, query=query, expect=400,
                      code="bad_parameter", label=label)
        if r:
            got = r[3]["error"].get("parameter")
            R.check(got == param, "%s %s %s names the parameter" % (method, template, label),
                    "parameter %r, expected %r" % (got, param))

    def check_flow_list(self, main):
        cid = main["capture"]["id"]
        flow = main["flows"][0]
        fid = flow["id"]

        def listed(query, label, want=True):
            q = dict(query)
            q.setdefault("capture", cid)
            r = self.call("GET", "/api/v1/flows", query=q, expect=200, label=label)
            if r:
                ids = [f["id"] for f in r[3]["flows"]]
                R.check((fid in ids) == want and all(f["capture"] == cid for f in r[3]["flows"]),
                        "flow filter %s %s flow %d" % (label, "finds" if want else "excludes", fid),
                        "got flows %s" % ids[:10])
                return r[3]
            return None

        page = listed({}, "capture=%d" % cid)
        if page is not None:
            R.check([f["id"] for f in page["flows"]] == [f["id"] for f in main["flows"]],
                    "GET /api/v1/flows?capture= lists the capture's flows in order",
                    "order or content differs from the upload's answer")
        cl, sv = flow["client"], flow["server"]
        net = ipaddress.ip_network("%s/%d" % (cl["ip"], 24 if flow["ip_version"] == 4 else 64),
                                   strict=False)
        listed({"host": cl["ip"]}, "host=client")
        listed({"host": sv["ip"]}, "host=server")
        listed({"host": str(net)}, "host=%s" % net)
        listed({"client": cl["ip"]}, "client=")
        listed({"server": sv["ip"]}, "server=")
        listed({"client": sv["ip"], "server": cl["ip"]}, "client/server swapped", want=False)
        listed({"port": sv["port"]}, "port=")
        listed({"client_port": cl["port"]}, "client_port=")
        listed({"server_port": sv["port"]}, "server_port=")
        listed({"handshake": flow["handshake"]["state"]}, "handshake=")
        listed({"teardown": flow["teardown"]["state"]}, "teardown=")
        listed({"conn_state": flow["conn_state"]}, "conn_state=")
        listed({"since": flow["first_ts"]}, "since=first_ts")
        listed({"until": flow["first_ts"]}, "until=first_ts", want=False)
        listed({"lang": "zh"}, "lang=zh")
        # paging across all captures (the sample was uploaded three times)
        r = self.call("GET", "/api/v1/flows", query={"limit": 1}, expect=200, label="limit=1")
        if r:
            p1 = r[3]
            ok = len(p1["flows"]) == 1 and p1["next_cursor"] is not None
            R.check(ok, "flow list pages by limit and gives next_cursor",
                    "%d flows, next_cursor %r" % (len(p1["flows"]), p1["next_cursor"]))
            if ok:
                r = self.call("GET", "/api/v1/flows",
                              query={"limit": 1, "cursor": p1["next_cursor"]},
                              expect=200, label="cursor")
                if r:
                    R.check(r[3]["flows"] and r[3]["flows"][0]["id"] > p1["flows"][0]["id"],
                            "flow list: the next page follows in ascending id",
                            "page 2 %s" % [f["id"] for f in r[3]["flows"]])
        for q, param in (({"port": 70000}, "port"), ({"port": "http"}, "port"),
                         ({"client_port": -1}, "client_port"),
                         ({"server_port": 65536}, "server_port"),
                         ({"host": "not-an-address"}, "host"), ({"host": "10.0.0.0/33"}, "host"),
                         ({"client": "300.1.2.3"}, "client"), ({"server": "2001:db8::/129"}, "server"),
                         ({"handshake": "bogus"}, "handshake"), ({"teardown": "bogus"}, "teardown"),
                         ({"conn_state": "XX"}, "conn_state"), ({"capture": "abc"}, "capture"),
                         ({"since": "yesterday"}, "since"), ({"until": "2016-13-45T99:00:00Z"}, "until"),
                         ({"limit": 1001}, "limit"), ({"limit": 0}, "limit"),
                         ({"cursor": "%%not-a-cursor%%"}, "cursor"), ({"lang": "xx"}, "lang")):
            self.bad_param("GET", "/api/v1/flows", None, q, param)
        return flow

    def check_flow_reads(self, flow):
        fid = flow["id"]
        total = flow["packets"]["c2s"] + flow["packets"]["s2c"]
        r = self.call("GET", "/api/v1/flows/{id}", {"id": fid}, expect=200)
        en_expl = None
        if r:
            f = r[3]
            tl, pg = f["timeline"], f["timeline_page"]
            R.check(f["id"] == fid and f["capture"] == flow["capture"] and f["index"] == flow["index"],
                    "GET /api/v1/flows/{id} is that flow", "id/capture/index differ")
            R.check(pg["offset"] == 0 and pg["limit"] == 1000 and pg["total"] == total
                    and len(tl) == min(total, 1000)
                    and pg["next_offset"] == (1000 if total > 1000 else None)
                    and [p["index"] for p in tl] == list(range(len(tl))),
                    "timeline: default page (offset 0, limit 1000, total = packets)",
                    "timeline_page %r, %d packets, flow has %d" % (pg, len(tl), total))
            en_expl = tl[0]["explanation"] if tl else None
        if total >= 2:
            r = self.call("GET", "/api/v1/flows/{id}", {"id": fid}, query={"offset": 1, "limit": 1},
                          expect=200, label="offset=1&limit=1")
            if r:
                tl, pg = r[3]["timeline"], r[3]["timeline_page"]
                want_next = 2 if total > 2 else None
                R.check(len(tl) == 1 and tl[0]["index"] == 1 and pg["offset"] == 1
                        and pg["limit"] == 1 and pg["next_offset"] == want_next,
                        "timeline pages by offset and limit",
                        "timeline_page %r, indexes %s" % (pg, [p["index"] for p in tl]))
        r = self.call("GET", "/api/v1/flows/{id}", {"id": fid}, query={"lang": "zh"},
                      expect=200, label="lang=zh")
        if r and r[3]["timeline"]:
            e = r[3]["timeline"][0]["explanation"]
            R.check(CJK.search(e or "") and e != en_expl, "lang=zh gives Chinese explanations",
                    "explanation %r" % (e or "")[:80])
        for q, param in (({"limit": 0}, "limit"), ({"limit": 10001}, "limit"),
                         ({"offset": -1}, "offset"), ({"offset": "x"}, "offset"),
                         ({"lang": "xx"}, "lang")):
            self.bad_param("GET", "/api/v1/flows/{id}", {"id": fid}, q, param)
        self.call("GET", "/api/v1/flows/{id}", {"id": 999999999}, expect=404, code="not_found",
                  label="(missing)")
        r = self.call("GET", "/api/v1/flows/{id}", {"id": fid}, query={"fields": "true"},
                      expect=200)
        if r:
            tl = json.loads(r[2]).get("timeline") or []
            R.check(tl and all(isinstance(p.get("fields"), list) and p["fields"] for p in tl),
                    "fields=true gives every packet its fields", "timeline %r" % (tl[:1],))
        r = self.call("GET", "/api/v1/flows/{id}/packets/{index}", {"id": fid, "index": 1},
                      expect=200)
        if r:
            p = json.loads(r[2])
            R.check(p.get("index") == 1 and p.get("fields"), "one packet, with its fields",
                    "%r" % (sorted(p),))
        self.call("GET", "/api/v1/flows/{id}/packets/{index}", {"id": fid, "index": 999999},
                  expect=404, code="not_found", label="(past the end)")

        r = self.call("GET", "/api/v1/flows/{id}/pcap", {"id": fid}, expect=200)
        if r:
            n = count_pcap_records(r[2])
            R.check(n == total, "flow pcap is a pcap file with the flow's packets",
                    "%s records, flow has %d packets" % (n, total))
        self.call("GET", "/api/v1/flows/{id}/pcap", {"id": 999999999}, expect=404,
                  code="not_found", label="(missing)")

        for q, label in ((None, ""), ({"lang": "zh"}, "lang=zh")):
            r = self.call("GET", "/api/v1/flows/{id}/ladder.svg", {"id": fid}, query=q,
                          expect=200, label=label)
            if r:
                try:
                    root = ET.fromstring(r[2])
                    R.check(root.tag in ("svg", "{http://www.w3.org/2000/svg}svg"),
                            "ladder.svg %s is an SVG document" % label, "root element %r" % root.tag)
                except ET.ParseError as e:
                    R.fail("ladder.svg %s is an SVG document" % label, "not XML: %s" % e)
        self.call("GET", "/api/v1/flows/{id}/ladder.svg", {"id": 999999999}, expect=404,
                  code="not_found", label="(missing)")
        for q, label in ((None, ""), ({"dir": "s2c", "lang": "zh", "width": 800}, "s2c zh")):
            r = self.call("GET", "/api/v1/flows/{id}/tsg.svg", {"id": fid}, query=q,
                          expect=200, label=label)
            if r:
                try:
                    root = ET.fromstring(r[2])
                    R.check(root.tag in ("svg", "{http://www.w3.org/2000/svg}svg"),
                            "tsg.svg %s is an SVG document" % label, "root element %r" % root.tag)
                except ET.ParseError as e:
                    R.fail("tsg.svg %s is an SVG document" % label, "not XML: %s" % e)
        self.bad_param("GET", "/api/v1/flows/{id}/tsg.svg", {"id": fid}, {"dir": "up"}, "dir")
        self.call("GET", "/api/v1/flows/{id}/tsg.svg", {"id": 999999999}, expect=404,
                  code="not_found", label="(missing)")
        for q, label in ((None, ""), ({"format": "zeek-json", "limit": 1}, "zeek-json")):
            r = self.call("GET", "/api/v1/flows.log", query=q, expect=200, label=label)
            if r:
                text = r[2].decode("utf-8", "replace")
                want = "{" if q else "#separator \\x09\n"
                R.check(text.startswith(want), "flows.log %s is a Zeek conn.log" % label,
                        "starts %r" % text[:40])
        self.bad_param("GET", "/api/v1/flows.log", None, {"format": "csv"}, "format")
        for q in (None, {"group_by": "server_port", "port": "80,5555"}):
            r = self.call("GET", "/api/v1/stats", query=q, expect=200,
                          label="" if q is None else "(grouped, filtered)")
            if r and r[3]:
                R.check(r[3]["total"]["flows"] == sum(g["flows"] for g in r[3]["groups"]),
                        "stats: the total is the sum of the groups", "answer %r" % r[3])
        self.bad_param("GET", "/api/v1/stats", None, {"group_by": "colour"}, "group_by")
        r = self.call("GET", "/api/v1/flows", query={"sort": "-rtt", "limit": 1}, expect=200,
                      label="(sort=-rtt)")
        self.bad_param("GET", "/api/v1/flows", None, {"sort": "-id"}, "sort")
        r = self.call("POST", "/api/v1/captures", query={"name": "async.pcap",
                                                         "duplicate": "keep"},
                      body=self.sample, headers={"Prefer": "respond-async"}, expect=202,
                      label="(Prefer: respond-async)")
        if r and r[3]:
            for _ in range(100):
                j = self.call("GET", "/api/v1/jobs/{id}", {"id": r[3]["id"]}, expect=200)
                if not j or not j[3] or j[3]["state"] in ("done", "failed"):
                    break
                time.sleep(0.05)
            R.check(j and j[3] and j[3]["state"] == "done", "the job ends done",
                    "job %r" % (j and j[3]))
        self.call("GET", "/api/v1/jobs/{id}", {"id": 999999}, expect=404, code="not_found",
                  label="(missing)")

    def check_annotations(self, cap, flow):
        cid, fid = cap["capture"]["id"], flow["id"]
        js = {"Content-Type": "application/json"}
        r = self.call("POST", "/api/v1/captures/{id}/annotations", {"id": cid}, expect=201,
                      body=json.dumps({"text": "三次挥手", "author": "t"}).encode(), headers=js)
        nid = r[3]["id"] if r and r[3] else None
        r = self.call("POST", "/api/v1/flows/{id}/annotations", {"id": fid}, expect=201,
                      body=b'{"text": "this packet", "packet": 0}', headers=js, label="(packet)")
        R.check(r and r[3] and r[3]["packet"] == 0 and r[3]["flow"] == fid,
                "a note on a packet names its flow and packet", "answer %r" % (r and r[3]))
        self.call("POST", "/api/v1/flows/{id}/annotations", {"id": fid}, expect=400,
                  code="bad_request", body=b'{"text": "x", "colour": 1}', headers=js,
                  label="(unknown member)")
        self.call("POST", "/api/v1/captures/{id}/annotations", {"id": cid}, expect=415,
                  code="unsupported_media_type", body=b'{"text": "x"}',
                  headers={"Content-Type": "text/plain"}, label="(text/plain)")
        self.call("POST", "/api/v1/captures/{id}/annotations", {"id": cid}, expect=413,
                  code="too_large", body=b'{"text": "' + b"a" * 70000 + b'"}', headers=js,
                  label="(70 kB)")
        self.call("POST", "/api/v1/captures/{id}/annotations", {"id": 999999999}, expect=404,
                  code="not_found", body=b'{"text": "x"}', headers=js, label="(missing)")
        r = self.call("GET", "/api/v1/captures/{id}/annotations", {"id": cid}, expect=200)
        R.check(r and r[3] and len(r[3]["annotations"]) == 2,
                "a capture lists its notes and its flows' notes", "answer %r" % (r and r[3]))
        r = self.call("GET", "/api/v1/flows/{id}/annotations", {"id": fid}, expect=200)
        R.check(r and r[3] and len(r[3]["annotations"]) == 1,
                "a flow lists its own notes", "answer %r" % (r and r[3]))
        if nid:
            self.call("DELETE", "/api/v1/annotations/{id}", {"id": nid}, expect=204)
            self.call("DELETE", "/api/v1/annotations/{id}", {"id": nid}, expect=404,
                      code="not_found", label="(again)")

    def check_examples(self):
        r = self.call("GET", "/api/v1/vocabulary", expect=200)
        events = [e["name"] for e in (r[3] or {}).get("events", [])] if r else []
        R.check("fin-ack-piggybacked" in events and "discarded" in events,
                "GET /api/v1/vocabulary lists the events", "events %s" % events)
        r = self.call("GET", "/api/v1/examples", expect=200)
        examples = r[3]["examples"] if r else []
        R.check(examples, "GET /api/v1/examples lists the shipped examples", "the list is empty")
        if examples:
            name = examples[0]["name"]
            r = self.call("POST", "/api/v1/examples/{name}", {"name": name}, expect=201,
                          label="(%s)" % name)
            body = r and self.step("POST example", self.upload_ok, r,
                                   "POST example %s" % name, None, examples[0]["size_bytes"])
            if body is not None:
                R.check(body["capture"]["flows"] >= 1, "example %s has a connection" % name,
                        "no flow")
        self.call("POST", "/api/v1/examples/{name}", {"name": "no-such-example"}, expect=404,
                  code="not_found", label="(missing)")

    def expect_405(self, method, path, template):
        status, rh, data = self.raw(method, path)
        what = "%s %s (undocumented method)" % (method, template)
        if status != 405:
            R.fail(what, "answered %d, expected 405 method_not_allowed%s" % (status, snippet(data)))
            return
        problems = []
        if media_type(rh) != "application/json":
            problems.append("Content-Type %r" % rh.get("Content-Type"))
        else:
            try:
                problems += schema_errors(self.component_schema("ErrorMethodNotAllowed"),
                                          json.loads(data.decode("utf-8")))
            except ValueError as e:
                problems.append("body is not JSON: %s" % e)
        documented = {m.upper() for m in self.spec["paths"][template] if m in METHODS}
        allow = {m.strip().upper() for m in (rh.get("Allow") or "").split(",") if m.strip()}
        if not documented <= allow or not allow <= documented | {"HEAD", "OPTIONS"}:
            problems.append("Allow %r, the spec documents %s" % (rh.get("Allow"), sorted(documented)))
        if problems:
            R.fail(what + " -> 405", "; ".join(problems))
        else:
            R.ok(what + " -> 405 with Allow: %s" % rh.get("Allow"))

    def check_methods_and_unknown_routes(self, main, flow):
        cid = main["capture"]["id"]
        self.expect_405("PATCH", "/api/v1/captures", "/api/v1/captures")
        self.expect_405("PATCH", "/api/v1/captures/%d" % cid, "/api/v1/captures/{id}")
        self.expect_405("DELETE", "/api/v1/flows/%d" % flow["id"], "/api/v1/flows/{id}")
        self.expect_405("POST", "/api/v1/examples", "/api/v1/examples")
        self.expect_405("POST", "/healthz", "/healthz")
        for path in ("/api/v1/no-such-route", "/api/v1/captures/%d/no-such" % cid):
            status, rh, data = self.raw("GET", path)
            what = "GET %s (undocumented path)" % path
            if status != 404:
                R.fail(what, "answered %d, expected 404 not_found%s" % (status, snippet(data)))
                continue
            try:
                errs = schema_errors(self.component_schema("ErrorNotFound"),
                                     json.loads(data.decode("utf-8")))
            except ValueError as e:
                errs = ["body is not JSON: %s" % e]
            if media_type(rh) != "application/json":
                errs.append("Content-Type %r" % rh.get("Content-Type"))
            R.check(not errs, what + " -> 404 not_found", "; ".join(errs))

    def check_deletes(self):
        if not self.raw_upload:
            R.fail("deletes", "skipped: the raw upload failed")
            return
        cid = self.raw_upload["capture"]["id"]
        fid = self.raw_upload["flows"][0]["id"]
        if self.api_key is not None:
            self.call("DELETE", "/api/v1/captures/{id}", {"id": cid},
                      headers={"Authorization": "Bearer wrong-" + self.api_key},
                      expect=401, code="unauthorized", label="(wrong key)")
        if self.call("DELETE", "/api/v1/captures/{id}", {"id": cid}, expect=204):
            self.created.remove(cid)
            self.call("GET", "/api/v1/captures/{id}", {"id": cid}, expect=404, code="not_found",
                      label="(deleted)")
            self.call("GET", "/api/v1/captures/{id}/pcap", {"id": cid}, expect=404,
                      code="not_found", label="(deleted)")
            self.call("GET", "/api/v1/flows/{id}", {"id": fid}, expect=404, code="not_found",
                      label="(flow of a deleted capture)")
            self.call("DELETE", "/api/v1/captures/{id}", {"id": cid}, expect=404,
                      code="not_found", label="(deleted)")

    def cleanup(self):
        for cid in list(self.created):
            status, _, data = self.raw("DELETE", "/api/v1/captures/%d" % cid)
            if status == 204:
                self.created.remove(cid)
            else:
                R.fail("cleanup: DELETE /api/v1/captures/%d" % cid, "answered %d%s"
                       % (status, snippet(data)))

    def check_coverage(self):
        missing = []
        for path, item in self.spec["paths"].items():
            for m in item:
                if m in METHODS and (path, m) not in self.exercised:
                    missing.append("%s %s" % (m.upper(), path))
        R.check(not missing, "every documented operation was exercised",
                "not exercised: " + ", ".join(missing))


def snippet(data):
    if not data:
        return ""
    s = data[:200].decode("utf-8", "replace").replace("\n", " ")
    return " (body: %s%s)" % (s, "..." if len(data) > 200 else "")


def count_pcap_records(data):
    """Number of records of a pcap file, or a string saying why it is not one."""
    if len(data) < 24 or data[:4] not in PCAP_MAGICS:
        return "not a pcap file (magic %s)" % data[:4].hex()
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off, n = 24, 0
    while off < len(data):
        if off + 16 > len(data):
            return "cut inside a record header"
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        off += 16 + incl
        if off > len(data):
            return "cut inside a record"
        n += 1
    return n


SPEC_PATH = ""


def main(argv):
    global SPEC_PATH
    args = list(argv[1:])
    opts = {}
    for opt in ("--api-key", "--max-upload"):
        if opt in args:
            i = args.index(opt)
            if i + 1 >= len(args):
                sys.exit("check_openapi: %s needs a value" % opt)
            opts[opt] = args[i + 1]
            del args[i:i + 2]
    api_key = opts.get("--api-key")
    max_upload = None
    if "--max-upload" in opts:
        m = re.match(r"^(\d+)([KMG]?)$", opts["--max-upload"].upper())
        if not m:
            sys.exit("check_openapi: --max-upload takes BYTES with an optional K, M or G")
        max_upload = int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]
        if not 24 <= max_upload <= (1 << 20):
            sys.exit("check_openapi: --max-upload must be 24 bytes to 1M (the check sends that "
                     "many bytes plus one)")
    if api_key is None:
        api_key = os.environ.get("TCPLENS_API_KEY") or None  # the server's own variable
    if len(args) != 3:
        sys.exit("usage: check_openapi.py BASE_URL OPENAPI_YAML SAMPLE_PCAP [--api-key KEY] "
                 "[--max-upload BYTES]")
    base, SPEC_PATH, sample_path = args
    with open(SPEC_PATH, "rb") as f:
        spec_bytes = f.read()
    with open(sample_path, "rb") as f:
        sample = f.read()
    if sample[:4] not in PCAP_MAGICS:
        sys.exit("check_openapi: %s is not a pcap file" % sample_path)

    try:
        spec = yaml.safe_load(spec_bytes.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as e:
        R.fail("openapi.yaml parses", str(e))
        return 1
    R.ok("openapi.yaml parses as YAML")
    try:
        import openapi_spec_validator as osv  # optional, not packaged in Debian 12
    except ImportError:
        osv = None
    if osv is not None:
        fn = getattr(osv, "validate", None) or getattr(osv, "validate_spec")
        try:
            fn(spec)
            R.ok("openapi.yaml is valid OpenAPI (openapi_spec_validator)")
        except Exception as e:  # noqa: BLE001 - any validation error is a failure
            R.fail("openapi.yaml is valid OpenAPI (openapi_spec_validator)", str(e)[:500])
    else:
        print("note openapi_spec_validator is not installed: structural checks only", flush=True)
    problems = basic_spec_problems(spec)
    if problems:
        for p in problems:
            R.fail("openapi.yaml structure", p)
        return 1
    R.ok("openapi.yaml is a structurally valid OpenAPI 3.0 document")

    if max_upload is not None and len(sample) > max_upload:
        sys.exit("check_openapi: SAMPLE_PCAP is larger than --max-upload")
    Checker(base, spec, spec_bytes, sample, api_key, max_upload).run()
    print("%d passed, %d failed" % (R.passed, R.failed))
    return 1 if R.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
