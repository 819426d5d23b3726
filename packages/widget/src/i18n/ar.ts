import type { Translation } from './translation.js';

const n = new Intl.NumberFormat('ar');

// Arabic has six plural categories; Intl.PluralRules picks the right one for each count.
const plural = new Intl.PluralRules('ar');
const signatures = (count: number): string => {
  switch (plural.select(count)) {
    case 'zero':
      return 'لا توقيعات';
    case 'one':
      return 'توقيع واحد';
    case 'two':
      return 'توقيعان';
    case 'few':
      return `${n.format(count)} توقيعات`;
    default:
      return `${n.format(count)} توقيع`;
  }
};

/** العربية (right to left). */
export const ar: Translation = {
  lang: 'ar',
  dir: 'rtl',
  formLabel: 'وقّع',
  signAs: 'أوقّع',
  kindIndividual: 'بصفتي الشخصية',
  kindOrganisation: 'باسم منظمة',
  name: 'الاسم الكامل',
  email: 'البريد الإلكتروني',
  emailHint: 'لا يُعرض علنًا أبدًا.',
  organisation: 'المنظمة',
  role: 'المنصب',
  country: 'البلد',
  countryNone: 'اختر بلدًا',
  comment: 'تعليق',
  optional: 'اختياري',
  consentList: 'اعرض اسمي ومنظمتي وتعليقي في القائمة العامة للموقّعين',
  consentContact: 'يمكن للحملة التواصل معي بشأن هذه الحملة',
  privacy: 'إشعار الخصوصية',
  submit: 'وقّع',
  submitting: 'جارٍ التشفير والإرسال…',
  encryptedNote: 'يُشفَّر توقيعك في هذا المتصفح. لا يستطيع قراءته إلا فريق الحملة.',
  loading: 'جارٍ التحميل…',
  preparing: 'جارٍ تجهيز التشفير…',
  count: signatures,
  goal: (count, goal) => `${n.format(count)} من ${n.format(goal)}`,
  // "Confirmed signatures: N", which needs no agreement with the number.
  confirmed: (count, goal) => `التوقيعات المؤكَّدة: ${n.format(count)}${goal ? ` من ${n.format(goal)}` : ''}`,
  closed: 'لم تعد هذه الحملة تقبل التوقيعات.',
  errorsSummary: (count) => (count === 1 ? 'يرجى تصحيح حقل واحد.' : `يرجى تصحيح الحقول (${n.format(count)}).`),
  errorRequired: 'هذا الحقل مطلوب.',
  errorTooLong: 'هذا النص طويل جدًا.',
  errorEmail: 'أدخل عنوانًا مثل name@example.org.',
  errorInvalid: 'هذه القيمة غير مقبولة.',
  successTitle: 'شكرًا لتوقيعك',
  successBody: 'شُفّر توقيعك واستُلم.',
  receipt: 'الإيصال:',
  share: 'مشاركة',
  copyLink: 'نسخ الرابط',
  copied: 'نُسخ الرابط.',
  queuedTitle: 'محفوظ على هذا الجهاز',
  queuedBody: 'تعذّر الوصول إلى الخادم. يبقى توقيعك المشفّر على هذا الجهاز وسيُرسل عند عودتك إلى الاتصال.',
  sentLater: 'أُرسل توقيعك المحفوظ.',
  errorTitle: 'حدث خطأ',
  errorBody: 'لم يُرسل توقيعك. يرجى المحاولة مرة أخرى.',
  retry: 'أعد المحاولة',
  unavailableTitle: 'التوقيع غير متاح',
  unavailableBody: 'هذا النموذج غير مُعدّ بشكل صحيح، لذلك لن يُرسل أي شيء. يرجى إبلاغ مالك الموقع.',
  wallTitle: 'أحدث الموقّعين',
  wallShow: 'اعرض أحدث الموقّعين',
  wallEmpty: 'لا توجد توقيعات علنية بعد.',
  wallOrganisation: 'منظمة',
  wallUpdated: 'حُدِّثت {ago}',
  wallExpired: 'قائمة الموقّعين قديمة، لذلك لا تُعرض.',
  wallRolledBack: 'هذه القائمة من الموقّعين أقدم من قائمة سبق عرضها على هذا الجهاز، لذلك لا تُعرض.',
  verifyTitle: 'التحقق من التشفير',
  verifyIntro: 'تُشفَّر التوقيعات بمفتاح الحملة. للتأكد من أن المفتاح يخص الحملة، قارن بصمته بالبصمة التي تنشرها الحملة.',
  verifyCampaign: 'الحملة',
  verifyFingerprint: 'بصمة المفتاح',
  verifyWhere: 'تنشرها الحملة على',
  verifyNoUrl: 'اسأل فريق الحملة أين ينشر بصمة مفتاحه.',
};
