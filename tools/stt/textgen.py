"""Banking utterances for the default speech model: Hindi (Devanagari), Indian English, Hinglish (Latin).

Templates with slots; each slot value has an English, a Hindi and a Hinglish rendering. Small numbers are
written as digits ("12 months", "22 carat", "2 lakh"): eSpeak reads them aloud and a transcript shows them
that way. Nothing here uses symbols eSpeak would read (%, ₹, /): the written text is the transcript.
"""
from __future__ import annotations

import random
import re
import unicodedata

LANGS = ("hi", "en", "hinglish")
_COL = {"en": 0, "hi": 1, "hinglish": 2}

# ---- slot values: (English, Hindi, Hinglish) -------------------------------------------------------------
def _nums(values, en, hi, hl):
    return [(f"{v} {en}", f"{v} {hi}", f"{v} {hl}") for v in values]

SLOTS: dict[str, list[tuple[str, str, str]]] = {
    "amount": _nums([1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40, 50], "lakh", "लाख", "lakh")
    + _nums([10, 20, 25, 30, 40, 50, 60, 70, 75, 80, 90], "thousand", "हज़ार", "hazaar")
    + _nums([1, 2], "crore", "करोड़", "crore"),
    "grams": _nums([5, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 75, 80, 100, 120, 150, 200], "grams", "ग्राम", "gram"),
    "karat": _nums([18, 20, 22, 24], "carat", "कैरेट", "carat"),
    "months": _nums([3, 6, 9, 12, 18, 24, 36], "months", "महीने", "mahine"),
    "days": _nums([7, 10, 15, 30, 45, 60, 90], "days", "दिन", "din"),
    "percent": _nums([7, 8, 9, 10, 11, 12, 13, 14, 15, 18], "percent", "प्रतिशत", "percent"),
    "ltv": _nums([60, 65, 70, 75], "percent", "प्रतिशत", "percent"),
    "emi_day": _nums([1, 5, 7, 10, 15, 20, 25, 28], "date", "तारीख", "tareekh"),
    "ornament": [
        ("gold chain", "सोने की चेन", "sone ki chain"), ("necklace", "हार", "haar"),
        ("bangles", "चूड़ियाँ", "choodiyan"), ("gold ring", "सोने की अंगूठी", "sone ki anguthi"),
        ("earrings", "झुमके", "jhumke"), ("gold coins", "सोने के सिक्के", "sone ke sikke"),
        ("mangalsutra", "मंगलसूत्र", "mangalsutra"), ("bracelet", "कंगन", "kangan"),
        ("jewellery", "गहने", "gehne"), ("gold ornaments", "सोने के आभूषण", "sone ke gehne"),
    ],
    "doc": [
        ("aadhaar card", "आधार कार्ड", "aadhaar card"), ("pan card", "पैन कार्ड", "pan card"),
        ("passport", "पासपोर्ट", "passport"), ("voter id", "वोटर आईडी", "voter id"),
        ("driving licence", "ड्राइविंग लाइसेंस", "driving licence"), ("photo", "फोटो", "photo"),
        ("address proof", "पते का प्रमाण", "address proof"), ("bank statement", "बैंक स्टेटमेंट", "bank statement"),
        ("ration card", "राशन कार्ड", "ration card"), ("electricity bill", "बिजली का बिल", "bijli ka bill"),
    ],
    "city": [
        ("mumbai", "मुंबई", "mumbai"), ("delhi", "दिल्ली", "delhi"), ("pune", "पुणे", "pune"),
        ("jaipur", "जयपुर", "jaipur"), ("lucknow", "लखनऊ", "lucknow"), ("patna", "पटना", "patna"),
        ("indore", "इंदौर", "indore"), ("bhopal", "भोपाल", "bhopal"), ("nagpur", "नागपुर", "nagpur"),
        ("kanpur", "कानपुर", "kanpur"), ("chennai", "चेन्नई", "chennai"), ("hyderabad", "हैदराबाद", "hyderabad"),
        ("kolkata", "कोलकाता", "kolkata"), ("surat", "सूरत", "surat"), ("agra", "आगरा", "agra"),
        ("varanasi", "वाराणसी", "varanasi"), ("noida", "नोएडा", "noida"), ("ranchi", "रांची", "ranchi"),
    ],
    "name": [
        ("ramesh", "रमेश", "ramesh"), ("suresh", "सुरेश", "suresh"), ("priya", "प्रिया", "priya"),
        ("anita", "अनीता", "anita"), ("sunita", "सुनीता", "sunita"), ("rahul", "राहुल", "rahul"),
        ("amit", "अमित", "amit"), ("neha", "नेहा", "neha"), ("pooja", "पूजा", "pooja"),
        ("vijay", "विजय", "vijay"), ("sanjay", "संजय", "sanjay"), ("kavita", "कविता", "kavita"),
        ("deepak", "दीपक", "deepak"), ("meena", "मीना", "meena"), ("arjun", "अर्जुन", "arjun"),
        ("lakshmi", "लक्ष्मी", "lakshmi"), ("mohan", "मोहन", "mohan"), ("geeta", "गीता", "geeta"),
    ],
    "day": [
        ("today", "आज", "aaj"), ("tomorrow", "कल", "kal"), ("on monday", "सोमवार को", "somvar ko"),
        ("on tuesday", "मंगलवार को", "mangalvar ko"), ("on wednesday", "बुधवार को", "budhvar ko"),
        ("on thursday", "गुरुवार को", "guruvar ko"), ("on friday", "शुक्रवार को", "shukravar ko"),
        ("on saturday", "शनिवार को", "shanivar ko"), ("next week", "अगले हफ्ते", "agle hafte"),
        ("this evening", "आज शाम को", "aaj shaam ko"), ("in the morning", "सुबह", "subah"),
    ],
    "purpose": [
        ("my daughter's wedding", "बेटी की शादी", "beti ki shaadi"), ("my son's education", "बेटे की पढ़ाई", "bete ki padhai"),
        ("medical treatment", "इलाज", "ilaaj"), ("my shop", "दुकान", "dukaan"), ("farming", "खेती", "kheti"),
        ("business", "व्यापार", "business"), ("house repair", "घर की मरम्मत", "ghar ki marammat"),
        ("buying a tractor", "ट्रैक्टर खरीदने", "tractor kharidne"), ("school fees", "स्कूल की फीस", "school ki fees"),
    ],
    "loan": [
        ("gold loan", "गोल्ड लोन", "gold loan"), ("loan", "लोन", "loan"), ("gold loan account", "गोल्ड लोन खाता", "gold loan khata"),
    ],
    "pay": [
        ("emi", "ईएमआई", "emi"), ("interest", "ब्याज", "byaj"), ("instalment", "किस्त", "kisht"),
        ("full amount", "पूरी रकम", "poori rakam"), ("part payment", "आंशिक भुगतान", "part payment"),
    ],
    "channel": [
        ("upi", "यूपीआई", "upi"), ("net banking", "नेट बैंकिंग", "net banking"), ("cash", "नकद", "cash"),
        ("cheque", "चेक", "cheque"), ("the mobile app", "मोबाइल ऐप", "mobile app"),
    ],
}

# ---- templates per language -----------------------------------------------------------------------------
EN = [
    "what is the interest rate on a {loan}", "what is the interest rate for {months}",
    "is the interest rate {percent} per year", "how much {loan} can i get for {grams} of gold",
    "how much loan will i get on {grams} of {karat} gold", "can i get {amount} on my {ornament}",
    "i want a {loan} of {amount}", "i need {amount} for {purpose}", "what will be my emi for {amount}",
    "what is the emi for {amount} for {months}", "can i pay the emi on the {emi_day}",
    "which documents are needed for a {loan}", "is {doc} enough for a gold loan", "do i need a {doc}",
    "i have my {doc} and {doc}", "am i eligible for a {loan}", "what is the eligibility for a {loan}",
    "what is the loan to value ratio", "is the ltv {ltv}", "what is the maximum ltv for gold",
    "when will my gold be auctioned", "will you auction my gold if i miss {months} of payment",
    "i got an auction notice", "please stop the auction of my gold", "how do i close my {loan}",
    "i want to close my loan {day}", "can i do a part payment of {amount}", "i want to pay {pay} by {channel}",
    "can i pay the {pay} through {channel}", "where is the nearest branch in {city}",
    "i will visit the {city} branch {day}", "what are the branch timings", "is the branch open {day}",
    "do you accept {karat} gold", "my gold is {karat}", "i have {grams} of gold", "how do you check gold purity",
    "will you take {ornament}", "how long can i keep the loan", "can i extend my loan by {months}",
    "my name is {name}", "my name is {name} and i live in {city}", "i am calling from {city}",
    "is there any processing fee", "is there a penalty for late payment", "what happens if i pay late by {days}",
    "how many days does it take", "can i get the money {day}", "i want to renew my {loan}",
    "please tell me my outstanding amount", "how much interest do i have to pay", "i have already paid {amount}",
    "can i get my gold back {day}", "is my gold safe with the bank", "is there insurance on my gold",
    "can i take a top up of {amount}", "the rate should be {percent}", "i want to talk to the manager",
    "please call me {day}", "i want a loan for {months}", "the tenure is {months}",
]
HI = [
    "{loan} पर ब्याज दर क्या है", "{months} के लिए ब्याज दर क्या है", "क्या ब्याज दर {percent} सालाना है",
    "{grams} सोने पर कितना लोन मिलेगा", "{grams} {karat} सोने पर कितना लोन मिलेगा", "क्या मेरे {ornament} पर {amount} मिल सकते हैं",
    "मुझे {amount} का {loan} चाहिए", "{purpose} के लिए {amount} चाहिए", "{amount} की ईएमआई कितनी होगी",
    "{amount} की {months} की ईएमआई कितनी होगी", "क्या मैं {emi_day} को ईएमआई भर सकता हूँ",
    "{loan} के लिए कौन से दस्तावेज़ चाहिए", "क्या {doc} काफी है", "क्या {doc} ज़रूरी है",
    "मेरे पास {doc} और {doc} है", "क्या मैं {loan} के लिए योग्य हूँ", "{loan} की पात्रता क्या है",
    "लोन टू वैल्यू अनुपात क्या है", "क्या एलटीवी {ltv} है", "सोने पर अधिकतम एलटीवी कितना है",
    "मेरा सोना कब नीलाम होगा", "अगर {months} किस्त नहीं भरी तो क्या सोना नीलाम होगा", "मुझे नीलामी का नोटिस मिला है",
    "कृपया मेरे सोने की नीलामी रोक दीजिए", "मैं अपना {loan} कैसे बंद करूँ", "मैं {day} लोन बंद करना चाहता हूँ",
    "क्या मैं {amount} का आंशिक भुगतान कर सकता हूँ", "मैं {channel} से {pay} भरना चाहता हूँ",
    "क्या {pay} {channel} से भर सकते हैं", "{city} में सबसे नज़दीकी शाखा कहाँ है", "मैं {day} {city} शाखा आऊँगा",
    "शाखा का समय क्या है", "क्या शाखा {day} खुली है", "क्या आप {karat} सोना लेते हैं", "मेरा सोना {karat} का है",
    "मेरे पास {grams} सोना है", "सोने की शुद्धता कैसे जाँचते हैं", "क्या आप {ornament} लेंगे",
    "लोन कितने समय तक रख सकते हैं", "क्या लोन {months} बढ़ सकता है", "मेरा नाम {name} है",
    "मेरा नाम {name} है और मैं {city} में रहता हूँ", "मैं {city} से बोल रहा हूँ", "क्या कोई प्रोसेसिंग फीस है",
    "देर से भुगतान पर कितना जुर्माना है", "अगर {days} देर हो जाए तो क्या होगा", "इसमें कितने दिन लगते हैं",
    "क्या पैसे {day} मिल सकते हैं", "मैं अपना {loan} रिन्यू करना चाहता हूँ", "मेरी बकाया राशि बताइए",
    "मुझे कितना ब्याज देना होगा", "मैंने {amount} पहले ही भर दिए हैं", "क्या मुझे मेरा सोना {day} वापस मिलेगा",
    "क्या मेरा सोना बैंक में सुरक्षित है", "क्या मेरे सोने का बीमा है", "क्या मुझे {amount} का टॉप अप मिल सकता है",
    "ब्याज {percent} होना चाहिए", "मुझे मैनेजर से बात करनी है", "कृपया मुझे {day} फोन कीजिए",
    "मुझे {months} के लिए लोन चाहिए", "लोन की अवधि {months} है",
]
HL = [
    "{loan} par byaj dar kya hai", "{months} ke liye interest rate kya hai", "kya byaj dar {percent} saalana hai",
    "{grams} sone par kitna loan milega", "{grams} {karat} gold par kitna loan milega", "kya mere {ornament} par {amount} mil sakte hain",
    "mujhe {amount} ka {loan} chahiye", "{purpose} ke liye {amount} chahiye", "{amount} ki emi kitni hogi",
    "{amount} ki {months} ki emi kitni hogi", "kya main {emi_day} ko emi bhar sakta hoon",
    "{loan} ke liye kaun se documents chahiye", "kya {doc} kaafi hai", "kya {doc} zaroori hai",
    "mere paas {doc} aur {doc} hai", "kya main {loan} ke liye eligible hoon", "{loan} ki eligibility kya hai",
    "loan to value ratio kya hai", "kya ltv {ltv} hai", "gold par maximum ltv kitna hai",
    "mera sona kab neelam hoga", "agar {months} kisht nahin bhari to kya sona neelam hoga", "mujhe auction ka notice mila hai",
    "please mere gold ka auction rok dijiye", "main apna {loan} kaise band karoon", "main {day} loan band karna chahta hoon",
    "kya main {amount} ka part payment kar sakta hoon", "main {channel} se {pay} bharna chahta hoon",
    "kya {pay} {channel} se bhar sakte hain", "{city} mein sabse nazdeeki branch kahan hai", "main {day} {city} branch aaunga",
    "branch ka time kya hai", "kya branch {day} khuli hai", "kya aap {karat} gold lete hain", "mera sona {karat} ka hai",
    "mere paas {grams} sona hai", "gold ki purity kaise check karte hain", "kya aap {ornament} lenge",
    "loan kitne time tak rakh sakte hain", "kya loan {months} badh sakta hai", "mera naam {name} hai",
    "mera naam {name} hai aur main {city} mein rehta hoon", "main {city} se bol raha hoon", "kya koi processing fee hai",
    "late payment par kitna penalty hai", "agar {days} late ho jaye to kya hoga", "ismein kitne din lagte hain",
    "kya paise {day} mil sakte hain", "main apna {loan} renew karna chahta hoon", "meri baaki rakam bataiye",
    "mujhe kitna byaj dena hoga", "maine {amount} pehle hi bhar diye hain", "kya mujhe mera sona {day} wapas milega",
    "kya mera gold bank mein safe hai", "kya mere gold ka insurance hai", "kya mujhe {amount} ka top up mil sakta hai",
    "interest {percent} hona chahiye", "mujhe manager se baat karni hai", "please mujhe {day} call kijiye",
    "mujhe {months} ke liye loan chahiye", "loan ki tenure {months} hai",
]
TEMPLATES = {"en": EN, "hi": HI, "hinglish": HL}

# Short answers and courtesy phrases: spoken alone or around a question.
SHORT = {
    "en": ["yes", "no", "okay", "yes please", "no thanks", "thank you", "right", "correct", "sure", "not now",
           "yes i agree", "no i do not", "okay thank you", "hello", "please repeat", "sorry i did not understand"],
    "hi": ["हाँ", "नहीं", "ठीक है", "हाँ जी", "नहीं जी", "धन्यवाद", "सही है", "बिल्कुल", "अभी नहीं", "हाँ ठीक है",
           "जी हाँ", "नमस्ते", "फिर से बताइए", "समझ नहीं आया", "अच्छा", "ठीक है धन्यवाद"],
    "hinglish": ["haan", "nahin", "theek hai", "haan ji", "nahin ji", "thank you", "sahi hai", "bilkul", "abhi nahin",
                 "haan theek hai", "ji haan", "namaste", "phir se bataiye", "samajh nahin aaya", "achha", "okay"],
}
PREFIX = {
    "en": ["", "", "", "", "hello ", "please tell me ", "sir ", "madam ", "excuse me ", "okay ", "yes "],
    "hi": ["", "", "", "", "नमस्ते ", "कृपया बताइए ", "सर ", "जी ", "अच्छा ", "हाँ ", "भैया "],
    "hinglish": ["", "", "", "", "namaste ", "please bataiye ", "sir ", "ji ", "achha ", "haan ", "bhaiya "],
}
SUFFIX = {
    "en": ["", "", "", "", " please", " sir", " madam", " thank you"],
    "hi": ["", "", "", "", " जी", " सर", " कृपया बताइए", " धन्यवाद"],
    "hinglish": ["", "", "", "", " ji", " sir", " please", " bataiye"],
}


def generate(lang: str, rng: random.Random) -> str:
    """One utterance in `lang` (the written form, already normalised as a label)."""
    r = rng.random()
    if r < 0.08:
        text = rng.choice(SHORT[lang])
    elif r < 0.14:  # a short answer followed by a number or a question
        text = rng.choice(SHORT[lang]) + " " + _fill(rng.choice(TEMPLATES[lang]), lang, rng)
    else:
        text = rng.choice(PREFIX[lang]) + _fill(rng.choice(TEMPLATES[lang]), lang, rng) + rng.choice(SUFFIX[lang])
    return normalize(text)


def _fill(template: str, lang: str, rng: random.Random) -> str:
    col = _COL[lang]
    return re.sub(r"\{(\w+)\}", lambda m: rng.choice(SLOTS[m.group(1)])[col], template)


# ---- labels and tokens ----------------------------------------------------------------------------------
_DEV_DIGITS = {ord("०") + i: str(i) for i in range(10)}


def normalize(text: str) -> str:
    """Label form: NFC, lower-case Latin, Devanagari kept, digits, single spaces; other punctuation dropped."""
    t = unicodedata.normalize("NFC", text).translate(_DEV_DIGITS).lower()
    t = "".join(c if (c.isascii() and c.isalnum()) or _is_devanagari_letter(c) else " " for c in t)
    return " ".join(t.split())


def _is_devanagari_letter(c: str) -> bool:
    o = ord(c)
    return 0x0900 <= o <= 0x097F and not (0x0964 <= o <= 0x0970)  # drop danda, double danda, digits, abbrev sign


SPACE = "▁"


def vocabulary() -> list[str]:
    """Fixed token list (blank excluded; it is appended last as <blk>): ▁, a-z, 0-9, Devanagari letters/signs."""
    dev = []
    for o in range(0x0901, 0x0950):
        c = chr(o)
        if unicodedata.category(c) in ("Lo", "Mn", "Mc") and unicodedata.normalize("NFC", c) == c:
            dev.append(c)
    return [SPACE] + [chr(o) for o in range(ord("a"), ord("z") + 1)] + [str(d) for d in range(10)] + dev


def encode(text: str, token_id: dict[str, int]) -> list[int]:
    return [token_id[SPACE if c == " " else c] for c in text]


if __name__ == "__main__":
    rng = random.Random(1)
    for lang in LANGS:
        for _ in range(6):
            print(lang, "|", generate(lang, rng))
    v = vocabulary()
    print(len(v), "tokens")
    tid = {t: i for i, t in enumerate(v)}
    for lang in LANGS:
        seen = {generate(lang, rng) for _ in range(200000)}
        for s in seen:
            encode(s, tid)
        print(lang, "distinct in 200k draws:", len(seen))
