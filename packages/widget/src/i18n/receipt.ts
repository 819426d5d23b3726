// The strings of the receipt, withdrawal and verified count (issue 11), in every shipped language.
// They live apart from `Translation` because they show only after a lazily loaded chunk has
// arrived (the success screen, the checkpoint verifier), so they must not weigh on the first load.
// Partners override them through the same `strings` attribute as every other string.
import type { Language } from './translation.js';

/** The strings of the receipt, the withdrawal link and the verified count. */
export interface ReceiptStrings {
  /** The success screen's button that downloads the receipt file. */
  readonly saveReceipt: string;
  /** One sentence under it: what the file proves, and what it does not hold. */
  readonly receiptExplains: string;
  /** The link to the collector's withdrawal page. */
  readonly withdraw: string;
  /** Under the count, once it was read from a checkpoint verified against the `log-key`. */
  readonly countVerified: string;
}

export const receiptStrings: Readonly<Record<Language, ReceiptStrings>> = {
  en: {
    saveReceipt: 'Save my receipt',
    receiptExplains:
      'This file proves your signature was counted in the campaign’s public log, and lets you withdraw it. It does not contain your name or e-mail.',
    withdraw: 'Withdraw my signature',
    countVerified: 'Count checked against the campaign’s signed public log.',
  },
  fr: {
    saveReceipt: 'Enregistrer mon reçu',
    receiptExplains:
      'Ce fichier prouve que votre signature a été comptée dans le registre public de la campagne, et vous permet de la retirer. Il ne contient ni votre nom ni votre adresse e-mail.',
    withdraw: 'Retirer ma signature',
    countVerified: 'Nombre vérifié dans le registre public signé de la campagne.',
  },
  de: {
    saveReceipt: 'Meine Quittung speichern',
    receiptExplains:
      'Diese Datei beweist, dass Ihre Unterschrift im öffentlichen Protokoll der Kampagne gezählt wurde, und ermöglicht Ihnen, sie zurückzuziehen. Sie enthält weder Ihren Namen noch Ihre E-Mail-Adresse.',
    withdraw: 'Meine Unterschrift zurückziehen',
    countVerified: 'Anzahl anhand des signierten öffentlichen Protokolls der Kampagne geprüft.',
  },
  es: {
    saveReceipt: 'Guardar mi recibo',
    receiptExplains:
      'Este archivo demuestra que tu firma se contó en el registro público de la campaña y te permite retirarla. No contiene tu nombre ni tu correo electrónico.',
    withdraw: 'Retirar mi firma',
    countVerified: 'Cifra comprobada con el registro público firmado de la campaña.',
  },
  pt: {
    saveReceipt: 'Guardar o meu recibo',
    receiptExplains:
      'Este ficheiro comprova que a sua assinatura foi contada no registo público da campanha e permite-lhe retirá-la. Não contém o seu nome nem o seu e-mail.',
    withdraw: 'Retirar a minha assinatura',
    countVerified: 'Número verificado no registo público assinado da campanha.',
  },
  ar: {
    saveReceipt: 'حفظ إيصالي',
    receiptExplains: 'يثبت هذا الملف أن توقيعك قد احتُسب في السجل العام للحملة، ويتيح لك سحبه. ولا يحتوي على اسمك أو بريدك الإلكتروني.',
    withdraw: 'سحب توقيعي',
    countVerified: 'تم التحقق من العدد في السجل العام الموقَّع للحملة.',
  },
};

/** The strings for a translation's language, with the partner's overrides (plain strings only). */
export function receiptText(lang: string, overrides: unknown): ReceiptStrings {
  const base = receiptStrings[lang as Language] ?? receiptStrings.en;
  const result: Record<string, string> = { ...base };
  if (typeof overrides === 'object' && overrides !== null) {
    for (const key of Object.keys(base)) {
      const value = (overrides as Record<string, unknown>)[key];
      if (typeof value === 'string') result[key] = value;
    }
  }
  return result as unknown as ReceiptStrings;
}
