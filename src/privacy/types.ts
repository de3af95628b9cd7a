export type PiiType = 'aadhaar' | 'pan' | 'phone' | 'ifsc' | 'account' | 'card' | 'email';

/** One piece of personal data; start/end are UTF-16 offsets into the original text (end exclusive). */
export interface PiiSpan {
  type: PiiType;
  start: number;
  end: number;
  text: string;
}
