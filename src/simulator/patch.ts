import { SimError } from './errors';
import { bodyValidationError } from './restore-jobs';

/**
 * How a PATCH body is read against the deployment's own description. Atlas accepts a PATCH that carries
 * the fields of its own description, which is what SDKs send when they GET, modify and PATCH back a
 * whole object. A field the description does not have is refused as Atlas refuses unknown attributes.
 */
export interface PatchRules {
  /** Fields the simulator applies; the kind validates their values. */
  writable: readonly string[];
  /**
   * Fields Atlas computes: accepted when they repeat the description, refused with ATTRIBUTE_READ_ONLY
   * (documented Atlas code) when they differ. `readOnlyErrors` names a more specific answer for some.
   */
  readOnly: readonly string[];
  readOnlyErrors?: Partial<Record<string, (value: unknown) => SimError>>;
  /**
   * Read-only fields that move on their own or with the URL the client used (`stateName`, `links`): always
   * ignored, since a GET-modify-PATCH carries whatever they read at the GET.
   */
  volatile: readonly string[];
}

/**
 * Checks `body` against `description` and returns the writable fields it carries. Other description
 * fields must repeat the description's values: the simulator does not model changing them.
 */
export function writableFields(
  body: unknown,
  description: Record<string, unknown>,
  rules: PatchRules,
): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw bodyValidationError('update', [
      { path: [], message: 'must be a JSON object', code: 'invalid_type' },
    ]);
  const writable: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (rules.writable.includes(key)) {
      writable[key] = value;
      continue;
    }
    if (!(key in description))
      throw new SimError('unknownAttribute', `Invalid attribute ${key} specified.`, [key]);
    if (rules.volatile.includes(key) || repeats(value, description[key])) continue;
    if (rules.readOnly.includes(key)) {
      const specific = rules.readOnlyErrors?.[key];
      throw specific
        ? specific(value)
        : new SimError(
            'attributeReadOnly',
            `The attribute ${key} is read-only and cannot be changed by the user.`,
            [key],
          );
    }
    throw new SimError(
      'attributeNotSimulated',
      `Invalid attribute ${key} specified: the simulator keeps it as it is and can only change ${rules.writable.join(', ')}.`,
      [key],
    );
  }
  return writable;
}

/**
 * Whether a sent value repeats the current one: equal scalars, arrays element by element, objects key by
 * key for the keys sent (a client may leave out what it does not know). `null` means "not set".
 */
function repeats(sent: unknown, current: unknown): boolean {
  if (sent === null || sent === undefined) return true;
  if (Array.isArray(sent))
    return (
      Array.isArray(current) && sent.length === current.length && sent.every((v, i) => repeats(v, current[i]))
    );
  if (typeof sent === 'object') {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return false;
    const object = current as Record<string, unknown>;
    return Object.entries(sent as Record<string, unknown>).every(
      ([k, v]) => k in object && repeats(v, object[k]),
    );
  }
  return sent === current;
}
