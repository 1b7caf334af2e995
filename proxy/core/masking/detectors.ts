/**
 * Stage 2: the detector registry: the names a decision's `{detector: …}` may use, with
 * aliases. An unknown name is a rule error (the front end fails closed on it), never a
 * silently ignored rule.
 */
import { creditCard, iban } from "./detect-finance.js";
import { ipv4, ipv6 } from "./detect-network.js";
import { email, phone, usSsn } from "./detect-pii.js";
import { awsAccessKeyId, awsSecretAccessKey, bearerToken, jwt, privateKey } from "./detect-secrets.js";
import type { Detector } from "./types.js";

export const DETECTORS: Readonly<Record<string, Detector>> = {
  email,
  phone,
  credit_card: creditCard,
  iban,
  us_ssn: usSsn,
  aws_access_key_id: awsAccessKeyId,
  aws_secret_access_key: awsSecretAccessKey,
  jwt,
  private_key: privateKey,
  ipv4,
  ipv6,
  bearer_token: bearerToken,
};

/** Other accepted names; an alias may stand for several detectors. */
export const DETECTOR_ALIASES: Readonly<Record<string, readonly string[]>> = {
  phone_number: ["phone"],
  card: ["credit_card"],
  card_number: ["credit_card"],
  ssn: ["us_ssn"],
  aws_key: ["aws_access_key_id", "aws_secret_access_key"],
  aws: ["aws_access_key_id", "aws_secret_access_key"],
  pem: ["private_key"],
  pem_private_key: ["private_key"],
  ip: ["ipv4", "ipv6"],
  ip_address: ["ipv4", "ipv6"],
  bearer: ["bearer_token"],
  token: ["bearer_token"],
};

/** The detectors a name stands for, or `undefined` for an unknown name. */
export function resolveDetector(name: string): Detector[] | undefined {
  const key = name.trim().toLowerCase();
  const direct = DETECTORS[key];
  if (direct) return [direct];
  return DETECTOR_ALIASES[key]?.map((n) => DETECTORS[n]!);
}
