import { describe, expect, it } from 'vitest';
import { detectPii, redactText, type PiiSpan } from '../../src/privacy/index.ts';
import { aadhaarFrom, cardFrom, grouped, notAadhaarFrom, notLuhnFrom, toDevanagari } from './reference-checksums.ts';

/** [type, text] of each span: short to read in assertions. */
const found = (text: string) => detectPii(text).map((s) => [s.type, s.text]);

const AADHAAR = aadhaarFrom('23456789012');
const AADHAAR_2 = aadhaarFrom('98761234560');
const NOT_AADHAAR = notAadhaarFrom('23456789012');
const VISA = cardFrom('411111111111111');
const RUPAY = cardFrom('608326000012345');
const AMEX = cardFrom('37828224631000');

describe('Aadhaar', () => {
  it('finds a valid number written compact, spaced and dashed, in English, Hindi and Hinglish', () => {
    expect(found(`My Aadhaar number is ${grouped(AADHAAR)}.`)).toEqual([['aadhaar', grouped(AADHAAR)]]);
    expect(found(`मेरा आधार नंबर ${grouped(AADHAAR_2, 4, '-')} है।`)).toEqual([['aadhaar', grouped(AADHAAR_2, 4, '-')]]);
    expect(found(`mera aadhaar ${AADHAAR} hai, verify kar do`)).toEqual([['aadhaar', AADHAAR]]);
  });

  it('finds Devanagari digits, spaced or dashed, inside Hindi text', () => {
    const spaced = toDevanagari(grouped(AADHAAR));
    const dashed = toDevanagari(grouped(AADHAAR, 4, '-'));
    expect(found(`आधार ${spaced} है`)).toEqual([['aadhaar', spaced]]);
    expect(found(`आधार संख्या:${dashed}।`)).toEqual([['aadhaar', dashed]]);
    expect(found(`आधार ${toDevanagari(AADHAAR)}`)).toEqual([['aadhaar', toDevanagari(AADHAAR)]]);
  });

  it('finds an Aadhaar number dictated digit by digit', () => {
    const dictated = [...AADHAAR].join(' ');
    expect(found(`aadhaar ${dictated} hai`)).toEqual([['aadhaar', dictated]]);
  });

  it('does not call 12 digits failing Verhoeff an Aadhaar number, but still redacts them as an account', () => {
    expect(found(`Aadhaar ${grouped(NOT_AADHAAR)}`)).toEqual([['account', grouped(NOT_AADHAAR)]]);
    // Changing any one digit of a real Aadhaar number makes it fail Verhoeff.
    const typo = AADHAAR.slice(0, 5) + ((Number(AADHAAR[5]) + 3) % 10) + AADHAAR.slice(6);
    expect(found(`Aadhaar ${typo}`)).toEqual([['account', typo]]);
  });

  it('requires the first digit to be 2-9', () => {
    const startsWithOne = aadhaarFrom('12345678901');
    expect(found(`no. ${startsWithOne}`)).toEqual([['account', startsWithOne]]);
  });
});

describe('PAN', () => {
  it('finds PAN in any case, in English, Hindi and Hinglish', () => {
    expect(found('PAN: ABCPE1234F, please update')).toEqual([['pan', 'ABCPE1234F']]);
    expect(found('मेरा पैन कार्ड AAACT1234Q है')).toEqual([['pan', 'AAACT1234Q']]);
    expect(found('mera pan abcpe1234f hai')).toEqual([['pan', 'abcpe1234f']]);
  });

  it('finds PAN with Devanagari digits and with spaces between the blocks', () => {
    expect(found('पैन ABCPE१२३४F')).toEqual([['pan', 'ABCPE१२३४F']]);
    expect(found('PAN ABCPE 1234 F')).toEqual([['pan', 'ABCPE 1234 F']]);
    expect(found('PAN ABCPE-1234-F')).toEqual([['pan', 'ABCPE-1234-F']]);
  });

  it('rejects a 4th letter that is no holder type, wrong shapes, and lower-case spaced words', () => {
    expect(found('code ABCDE1234F')).toEqual([]); // D is not a holder type
    expect(found('code ABCPE12345F ABCP1234F')).toEqual([]);
    expect(found('which 2024 a')).toEqual([]);
  });
});

describe('mobile numbers', () => {
  it('finds 10 digits from 6-9 with or without +91, 91 or 0, spaced or dashed', () => {
    expect(found('call me on 9876543210')).toEqual([['phone', '9876543210']]);
    expect(found('phone +91 98765 43210.')).toEqual([['phone', '+91 98765 43210']]);
    expect(found('phone +91-9876543210')).toEqual([['phone', '+91-9876543210']]);
    expect(found('phone +919876543210')).toEqual([['phone', '+919876543210']]);
    expect(found('phone 91 98765 43210')).toEqual([['phone', '91 98765 43210']]);
    expect(found('phone 0 98765 43210')).toEqual([['phone', '0 98765 43210']]);
    expect(found('phone 09876543210')).toEqual([['phone', '09876543210']]);
    expect(found('phone 98765-43210')).toEqual([['phone', '98765-43210']]);
    expect(found('phone 987-654-3210')).toEqual([['phone', '987-654-3210']]);
  });

  it('finds numbers in Hindi and Hinglish, with Devanagari digits, in pairs and dictated', () => {
    expect(found('मेरा मोबाइल नंबर ९८७६५ ४३२१० है')).toEqual([['phone', '९८७६५ ४३२१०']]);
    expect(found('मेरा नंबर +९१-९८७६५-४३२१० है')).toEqual([['phone', '+९१-९८७६५-४३२१०']]);
    expect(found('mera number 98 76 54 32 10 hai')).toEqual([['phone', '98 76 54 32 10']]);
    expect(found('mera number 7 0 1 2 3 4 5 6 7 8 hai')).toEqual([['phone', '7 0 1 2 3 4 5 6 7 8']]);
  });

  it('finds two numbers side by side as two phones', () => {
    expect(found('9876543210, 9123456780')).toEqual([['phone', '9876543210'], ['phone', '9123456780']]);
    expect(found('9876543210,9123456780')).toEqual([['phone', '9876543210'], ['phone', '9123456780']]);
    expect(found('9876543210 9123456780')).toEqual([['phone', '9876543210'], ['phone', '9123456780']]);
  });

  it('does not swallow a small number that follows', () => {
    expect(found('call 9876543210 2 times')).toEqual([['phone', '9876543210']]);
    expect(found('call 9876543210 100 times')).toEqual([['phone', '9876543210']]);
  });

  it('does not call a 10-digit number starting with 0-5 a mobile number', () => {
    expect(found('ref 5876543210')).toEqual([['account', '5876543210']]);
  });
});

describe('IFSC', () => {
  it('finds IFSC in English, Hindi and Hinglish, any case, with Devanagari digits', () => {
    expect(found('IFSC code SBIN0001234.')).toEqual([['ifsc', 'SBIN0001234']]);
    expect(found('आईएफएससी कोड HDFC0000123 है')).toEqual([['ifsc', 'HDFC0000123']]);
    expect(found('ifsc icic0abc123 daal do')).toEqual([['ifsc', 'icic0abc123']]);
    expect(found('IFSC SBIN०००१२३४')).toEqual([['ifsc', 'SBIN०००१२३४']]);
    expect(found('IFSC SBIN 0001234')).toEqual([['ifsc', 'SBIN 0001234']]);
  });

  it('requires the fifth character to be 0', () => {
    expect(found('code SBIN1001234')).toEqual([]);
  });
});

describe('card numbers', () => {
  it('finds Luhn-valid numbers, compact, spaced, dashed and in 4-6-5 groups', () => {
    expect(found(`card ${VISA}`)).toEqual([['card', VISA]]);
    expect(found(`card ${grouped(VISA)} exp 12/27`)).toEqual([['card', grouped(VISA)]]);
    expect(found(`card ${grouped(RUPAY, 4, '-')}`)).toEqual([['card', grouped(RUPAY, 4, '-')]]);
    const amex = `${AMEX.slice(0, 4)} ${AMEX.slice(4, 10)} ${AMEX.slice(10)}`;
    expect(found(`amex ${amex}`)).toEqual([['card', amex]]);
  });

  it('finds card numbers in Hindi with Devanagari digits and in Hinglish', () => {
    const card = toDevanagari(grouped(VISA, 4, '-'));
    expect(found(`मेरा कार्ड नंबर ${card} है`)).toEqual([['card', card]]);
    expect(found(`mera card ${grouped(RUPAY)} block kar do`)).toEqual([['card', grouped(RUPAY)]]);
  });

  it('labels a Luhn-failing 16-digit number as an account, not a card', () => {
    const bad = VISA.slice(0, 15) + ((Number(VISA[15]) + 1) % 10);
    expect(found(`card ${grouped(bad)}`)).toEqual([['account', grouped(bad)]]);
  });
});

describe('account numbers', () => {
  const acct14 = notLuhnFrom('5010023456789');
  const acct11 = '30198765432';

  it('finds 9-18 digit runs in English, Hindi and Hinglish', () => {
    expect(found('account number 123456789 please')).toEqual([['account', '123456789']]);
    expect(found(`मेरा खाता संख्या ${acct14} है`)).toEqual([['account', acct14]]);
    expect(found(`mera account ${acct11} hai`)).toEqual([['account', acct11]]);
    const eighteen = notLuhnFrom('12345678901234567');
    expect(found(`a/c ${eighteen}`)).toEqual([['account', eighteen]]);
  });

  it('finds spaced, dashed and Devanagari account numbers', () => {
    expect(found(`a/c ${grouped(acct14)}`)).toEqual([['account', grouped(acct14)]]);
    expect(found(`a/c ${grouped(acct11, 3, '-')}`)).toEqual([['account', grouped(acct11, 3, '-')]]);
    const hindi = toDevanagari(grouped(acct14));
    expect(found(`खाता ${hindi}`)).toEqual([['account', hindi]]);
  });

  it('does not let a trailing short figure turn an Aadhaar or card number into an account', () => {
    expect(found(`aadhaar ${grouped(AADHAAR)} 12 baje`)).toEqual([['aadhaar', grouped(AADHAAR)]]);
    expect(found(`card ${grouped(VISA)} 12 27`)).toEqual([['card', grouped(VISA)]]);
  });

  it('leaves runs shorter than 9 or longer than 19 digits alone', () => {
    expect(found('ref 12345678')).toEqual([]);
    expect(found('txn 12345678901234567890')).toEqual([]);
  });
});

describe('email', () => {
  it('finds addresses in English, Hindi and Hinglish sentences', () => {
    expect(found('Write to ramesh.kumar99@gmail.com.')).toEqual([['email', 'ramesh.kumar99@gmail.com']]);
    expect(found('मेरा ईमेल priya_s+bank@example.co.in है')).toEqual([['email', 'priya_s+bank@example.co.in']]);
    expect(found('mera email ABCPE1234F@corp-mail.in hai')).toEqual([['email', 'ABCPE1234F@corp-mail.in']]);
  });

  it('leaves handles without a domain alone, but still finds the phone number in a UPI id', () => {
    expect(found('meet @ramesh at 5')).toEqual([]);
    expect(found('UPI ramesh@okaxis')).toEqual([]);
    expect(found('UPI 9876543210@ybl')).toEqual([['phone', '9876543210']]);
  });
});

describe('false positives', () => {
  const harmless = [
    'Loan amount 2,50,000 at 9.5% interest for 36 months',
    'EMI 12,500 per month, total 4,50,000 over 3 years',
    '22 carat gold, 10 grams, rate 6,200 per gram',
    'I need 50000 rupees',
    'Rs. 150000000 sanctioned, ₹ 1,00,000 disbursed',
    'loan of 250000000 rupees',
    'between 50000-75000 per month',
    'in 2023 and 2024; years 2019 2020 2021',
    'date 12-03-2024 at 10:30, or 12/03/2024, or 2024-03-12 10:30:00',
    'call toll free 1800 123 4567 or 1800-11-2211 or 18001234567',
    'pin code 400001, OTP 123456, branch 0042',
    '4.5 lakh, 1.2 crore, 1,00,00,000',
    'मुझे २,५०,००० का लोन ९.५% ब्याज पर चाहिए, EMI ५,००० महीना',
    '२२ कैरेट सोना, १० ग्राम, 150000000 रुपये',
    'gold loan 22 carat 10 gram pe kitna milega, EMI 5000 hai, 9.5% rate',
    'Rate is 9.50 percent; tenure 12 18 24 or 36 months',
  ];
  it.each(harmless)('finds nothing in %j', (text) => {
    expect(found(text)).toEqual([]);
    expect(redactText(text)).toBe(text);
  });
});

describe('spans', () => {
  const text = `😀 नमस्ते! Aadhaar ${grouped(AADHAAR)}, phone +91 98765 43210, PAN ABCPE1234F, IFSC SBIN0001234, card ${grouped(VISA)}, a/c 123456789, mail a.b@c.co`;

  it('are sorted, do not overlap and index the original string in UTF-16 code units', () => {
    const spans = detectPii(text);
    expect(spans.map((s) => s.type)).toEqual(['aadhaar', 'phone', 'pan', 'ifsc', 'card', 'account', 'email']);
    let previousEnd = 0;
    for (const s of spans) {
      expect(s.start).toBeGreaterThanOrEqual(previousEnd);
      expect(s.end).toBeGreaterThan(s.start);
      expect(text.slice(s.start, s.end)).toBe(s.text);
      previousEnd = s.end;
    }
    expect(spans[0]).toMatchObject<Partial<PiiSpan>>({ start: text.indexOf('2345') });
  });

  it('return nothing for empty or PII-free text', () => {
    expect(detectPii('')).toEqual([]);
    expect(detectPii('Gold loan ka interest rate kya hai?')).toEqual([]);
  });
});

describe('redactText', () => {
  it('replaces each span with its label and keeps the rest of the text unchanged', () => {
    const text = `Hi, my Aadhaar is ${grouped(AADHAAR)} and my mobile is +91 98765 43210. PAN: abcpe1234f, IFSC SBIN0001234, card ${grouped(VISA, 4, '-')}, a/c 123456789, email ramesh@example.com. Loan 2,50,000 at 9.5%.`;
    expect(redactText(text)).toBe(
      'Hi, my Aadhaar is [AADHAAR] and my mobile is [PHONE]. PAN: [PAN], IFSC [IFSC], card [CARD], a/c [ACCOUNT], email [EMAIL]. Loan 2,50,000 at 9.5%.',
    );
  });

  it('redacts Hindi and Hinglish sentences, keeping the Devanagari text around the numbers', () => {
    expect(redactText(`मेरा आधार ${toDevanagari(grouped(AADHAAR))} है और फ़ोन ९८७६५-४३२१० है।`)).toBe('मेरा आधार [AADHAAR] है और फ़ोन [PHONE] है।');
    expect(redactText('mera number 98765 43210 hai aur pan ABCPE1234F')).toBe('mera number [PHONE] hai aur pan [PAN]');
  });

  it('keeps no digit of the original personal data', () => {
    const text = `${AADHAAR} ${toDevanagari(AADHAAR_2)} 9876543210 ${VISA} 50100234567891 SBIN0001234 ABCPE1234F x1@y.in`;
    const out = redactText(text);
    expect(out).toBe('[AADHAAR] [AADHAAR] [PHONE] [CARD] [ACCOUNT] [IFSC] [PAN] [EMAIL]');
    expect(out).not.toMatch(/[0-9०-९]/);
  });
});
