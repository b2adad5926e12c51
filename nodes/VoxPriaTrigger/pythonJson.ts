/**
 * The text Python's `json.dumps(json.loads(body))` writes, which VoxPria's Python sample verifies
 * signatures over: ", " between items, ": " after keys, everything outside printable ASCII
 * escaped as \uXXXX (lowercase hex, surrogate pairs for characters beyond U+FFFF), keys in the
 * order received.
 *
 * It is built from the body's own tokens rather than from a parsed object, so that what Python
 * would know is kept: a number written 12.0 is a float (written back "12.0"), 12 an int (written
 * back exactly, however large), and keys that look like integers keep their place (JavaScript
 * objects move them to the front). A body with a key repeated in one object is the one thing
 * this does not mirror (Python keeps the last value at the first key's place); no VoxPria
 * delivery has one.
 */

/**
 * One JSON token after optional whitespace: a string (only valid escapes and no raw control
 * characters, so that JSON.parse of it cannot fail), a number, a literal or a punctuator.
 */
const TOKEN =
	/[ \t\n\r]*(?:("[ !#-[\]-\uffff]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[ !#-[\]-\uffff]*)*")|(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)|(true|false|null)|([{}[\],:]))/y;
const TRAILING_SPACE = /[ \t\n\r]*$/y;
/** A string token that Python writes back unchanged: printable ASCII, no escapes. */
const PLAIN_STRING = /^"[ !#-[\]-~]*"$/;
/** What json.dumps escapes inside a string (ensure_ascii). */
const ESCAPED = /[^ !#-[\]-~]/g;
const SHORT_ESCAPES: Record<string, string> = {
	'"': '\\"',
	'\\': '\\\\',
	'\n': '\\n',
	'\r': '\\r',
	'\t': '\\t',
	'\b': '\\b',
	'\f': '\\f',
};

function escapeCharacter(character: string): string {
	return SHORT_ESCAPES[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function pythonString(token: string): string {
	if (PLAIN_STRING.test(token)) return token;
	const value = JSON.parse(token) as string;
	return `"${value.replace(ESCAPED, escapeCharacter)}"`;
}

/** repr() of a float: the shortest digits that read back, fixed notation for 1e-4 <= |x| < 1e16. */
function pythonFloat(value: number): string {
	if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
	if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
	const [mantissa, exponentText] = Math.abs(value).toExponential().split('e');
	const digits = mantissa.replace('.', '');
	const exponent = Number(exponentText);
	const sign = value < 0 ? '-' : '';
	const point = exponent + 1;
	if (point <= -4 || point > 16) {
		const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
		const power = `${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
		return `${sign}${digits[0]}${fraction}e${power}`;
	}
	if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
	if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
	return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function pythonNumber(token: string): string {
	if (/[.eE]/.test(token)) return pythonFloat(Number(token));
	return token === '-0' ? '0' : token;
}

/** The Python form of a JSON text, or undefined when the text is not a JSON object or array. */
export function pythonJsonText(text: string): string | undefined {
	const parts: string[] = [];
	let depth = 0;
	TOKEN.lastIndex = text.charCodeAt(0) === 0xfeff ? 1 : 0;
	while (TOKEN.lastIndex < text.length) {
		const start = TOKEN.lastIndex;
		const match = TOKEN.exec(text);
		if (!match) {
			TRAILING_SPACE.lastIndex = start;
			TRAILING_SPACE.exec(text);
			if (TRAILING_SPACE.lastIndex === text.length) break;
			return undefined;
		}
		const [, string, number, literal, punctuator] = match;
		if (string !== undefined) parts.push(pythonString(string));
		else if (number !== undefined) parts.push(pythonNumber(number));
		else if (literal !== undefined) parts.push(literal);
		else if (punctuator === ',') parts.push(', ');
		else if (punctuator === ':') parts.push(': ');
		else {
			depth += punctuator === '{' || punctuator === '[' ? 1 : -1;
			if (depth < 0) return undefined;
			parts.push(punctuator);
		}
	}
	// The caller has the body parsed already: only its shape is checked here, not its grammar.
	return depth === 0 && parts.length > 1 ? parts.join('') : undefined;
}
