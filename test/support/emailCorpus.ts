/**
 * A generated corpus of real-looking customer e-mails for the Clean Input measurements (written for
 * this project; no public data set is copied). Each case is rendered the way one mail client writes
 * it — plain text or HTML, reply or forward, one to three levels of history, its signature and
 * legal-disclaimer habits — in one of seven languages, and carries what cleaning must give back:
 * the customer's own lines (all must survive), the history's lines (none may), and the signature's
 * and disclaimer's lines (measured separately).
 *
 * Deterministic: the same index gives the same e-mail, so failures reproduce and numbers compare.
 */
import { createRandom } from '../../nodes/shared/localClassifier/random';

export type Client = 'gmail' | 'outlook-desktop' | 'outlook-web' | 'apple-mail' | 'thunderbird' | 'yahoo' | 'protonmail' | 'mobile';
export type Language = 'en' | 'de' | 'fr' | 'nl' | 'es' | 'it' | 'pt';
export type Format = 'plain' | 'html';

export const CLIENTS: Client[] = ['gmail', 'outlook-desktop', 'outlook-web', 'apple-mail', 'thunderbird', 'yahoo', 'protonmail', 'mobile'];
export const LANGUAGES: Language[] = ['en', 'de', 'fr', 'nl', 'es', 'it', 'pt'];

export interface EmailCase {
	id: string;
	client: Client;
	language: Language;
	format: Format;
	kind: 'reply' | 'forward' | 'new' | 'hard';
	raw: string;
	/** The customer's own lines: every one must be in the cleaned text. */
	message: string[];
	/** Lines of quoted or forwarded history: none may be in the cleaned text. */
	history: string[];
	/** Sign-off, name and contact lines, mobile footers: measured, should be gone. */
	signature: string[];
	/** The first sentence of each legal disclaimer: measured, should be gone. */
	disclaimer: string[];
	/** For hard cases: what makes it hard. */
	note?: string;
}

interface Person {
	name: string;
	email: string;
}

/** Everything language-specific: what customers and agents write, and how each client dates and labels history. */
interface LanguagePack {
	greetings: string[];
	requests: string[][];
	signOffs: string[];
	agentReplies: string[][];
	agentSignOff: string;
	subjects: string[];
	titles: string[];
	disclaimer: string;
	iphone: string;
	outlookMobile: string;
	/** Outlook's header labels and a date per level. */
	outlook: { from: string; sent: string; to: string; subject: string; re: string; fw: string; original: string; date: (day: number) => string };
	gmailAttribution: (day: number, p: Person) => string;
	gmailForward: { separator: string; from: string; date: string; subject: string; to: string; when: (day: number) => string };
	appleAttribution: (day: number, p: Person) => string;
	appleForward: { separator: string; from: string; subject: string; date: string; to: string; when: (day: number) => string };
	thunderbirdAttribution: (day: number, p: Person) => string;
	thunderbirdForward: { separator: string; subject: string; date: string; from: string; to: string };
	yahooAttribution: (day: number, p: Person) => string;
	yahooForward: { separator: string; from: string; to: string; sent: string; subject: string };
	protonAttribution: (day: number, p: Person) => string;
	protonFooter: string;
}

const PACKS: Record<Language, LanguagePack> = {
	en: {
		greetings: ['Hi team,', 'Hello,', 'Dear Sir or Madam,', 'Hi Bob,'],
		requests: [
			['I ordered a standing desk (order 48213) two weeks ago and it still has not shipped.', 'Can you tell me when it will be delivered? I need it before the 15th.'],
			['Your invoice INV-2291 charges me twice for the annual plan.', 'Please refund the second payment to the card on file.'],
			['Since the update yesterday the mobile app logs me out every few minutes.', 'I am on an iPhone 15 with iOS 18.2. Reinstalling did not help.', 'This is blocking our whole team.'],
			['We would like to upgrade from 10 to 25 seats starting next month.', 'Could you send a quote including the education discount?'],
			['The parcel arrived damaged, the glass top is cracked.', 'Photos are attached. I would prefer a replacement over a refund.'],
		],
		signOffs: ['Best regards,', 'Kind regards,', 'Thanks,', 'Regards,', 'Many thanks,', 'Cheers,'],
		agentReplies: [
			['thank you for contacting us.', 'Could you please send us your order number so we can look into this?'],
			['we are sorry to hear about the problem.', 'Our technicians are aware of it and a fix is planned for the next release.'],
			['thanks for your patience.', 'Your case has been passed to our billing department, who will reply within two working days.'],
		],
		agentSignOff: 'Kind regards',
		subjects: ['Order 48213', 'Invoice INV-2291', 'App keeps logging out', 'Seat upgrade', 'Damaged delivery'],
		titles: ['Head of Operations', 'Office Manager', 'Procurement'],
		disclaimer: 'This e-mail and any attachments are confidential and intended solely for the addressee. If you are not the intended recipient, please notify the sender and delete this message.',
		iphone: 'Sent from my iPhone',
		outlookMobile: 'Get Outlook for iOS',
		outlook: { from: 'From', sent: 'Sent', to: 'To', subject: 'Subject', re: 'RE:', fw: 'FW:', original: '-----Original Message-----', date: (d) => `Friday, December ${d}, 2026 10:15 AM` },
		gmailAttribution: (d, p) => `On Fri, Dec ${d}, 2026 at 10:15 AM ${p.name} <${p.email}> wrote:`,
		gmailForward: { separator: '---------- Forwarded message ---------', from: 'From', date: 'Date', subject: 'Subject', to: 'To', when: (d) => `Fri, Dec ${d}, 2026 at 10:15 AM` },
		appleAttribution: (d, p) => `On ${d} Dec 2026, at 10:15, ${p.name} <${p.email}> wrote:`,
		appleForward: { separator: 'Begin forwarded message:', from: 'From', subject: 'Subject', date: 'Date', to: 'To', when: (d) => `${d} December 2026 at 10:15:02 CET` },
		thunderbirdAttribution: (d, p) => `On 12/${d}/26 10:15 AM, ${p.name} wrote:`,
		thunderbirdForward: { separator: '-------- Forwarded Message --------', subject: 'Subject', date: 'Date', from: 'From', to: 'To' },
		yahooAttribution: (d, p) => `On Friday, December ${d}, 2026 at 10:15:00 AM GMT+1, ${p.name} <${p.email}> wrote:`,
		yahooForward: { separator: '----- Forwarded Message -----', from: 'From', to: 'To', sent: 'Sent', subject: 'Subject' },
		protonAttribution: (d, p) => `On Friday, December ${d}th, 2026 at 10:15, ${p.name} <${p.email}> wrote:`,
		protonFooter: 'Sent with Proton Mail secure email.',
	},
	de: {
		greetings: ['Hallo zusammen,', 'Guten Tag,', 'Sehr geehrte Damen und Herren,', 'Hallo Herr Weber,'],
		requests: [
			['ich habe vor zwei Wochen einen Schreibtisch bestellt (Bestellung 48213), er ist immer noch nicht verschickt.', 'Wann wird er geliefert? Ich brauche ihn bis zum 15.'],
			['Ihre Rechnung RE-2291 berechnet das Jahresabo doppelt.', 'Bitte erstatten Sie die zweite Zahlung auf meine Kreditkarte.'],
			['Seit dem Update gestern meldet mich die App alle paar Minuten ab.', 'Ich nutze ein iPhone 15 mit iOS 18.2, Neuinstallation hat nicht geholfen.'],
			['Wir möchten ab nächstem Monat von 10 auf 25 Lizenzen erweitern.', 'Können Sie uns ein Angebot mit Bildungsrabatt schicken?'],
			['Das Paket kam beschädigt an, die Glasplatte hat einen Sprung.', 'Fotos anbei. Ich hätte lieber Ersatz als eine Erstattung.'],
		],
		signOffs: ['Mit freundlichen Grüßen', 'Viele Grüße', 'Beste Grüße', 'Freundliche Grüße', 'Danke und Gruß', 'LG'],
		agentReplies: [
			['vielen Dank für Ihre Nachricht.', 'Könnten Sie uns bitte Ihre Bestellnummer schicken, damit wir das prüfen können?'],
			['es tut uns leid, dass es Probleme gibt.', 'Unsere Technik kennt den Fehler, die Behebung ist für das nächste Release geplant.'],
			['danke für Ihre Geduld.', 'Ihr Anliegen liegt jetzt bei unserer Buchhaltung, die sich innerhalb von zwei Werktagen meldet.'],
		],
		agentSignOff: 'Mit freundlichen Grüßen',
		subjects: ['Bestellung 48213', 'Rechnung RE-2291', 'App meldet ab', 'Lizenzerweiterung', 'Beschädigte Lieferung'],
		titles: ['Leitung Einkauf', 'Büroleitung', 'Geschäftsführer'],
		disclaimer: 'Diese E-Mail enthält vertrauliche und/oder rechtlich geschützte Informationen. Wenn Sie nicht der richtige Adressat sind, informieren Sie bitte sofort den Absender und vernichten Sie diese Mail.',
		iphone: 'Von meinem iPhone gesendet',
		outlookMobile: 'Outlook für iOS herunterladen',
		outlook: { from: 'Von', sent: 'Gesendet', to: 'An', subject: 'Betreff', re: 'AW:', fw: 'WG:', original: '-----Ursprüngliche Nachricht-----', date: (d) => `Freitag, ${d}. Dezember 2026 10:15` },
		gmailAttribution: (d, p) => `Am Fr., ${d}. Dez. 2026 um 10:15 Uhr schrieb ${p.name} <${p.email}>:`,
		gmailForward: { separator: '---------- Weitergeleitete Nachricht ---------', from: 'Von', date: 'Date', subject: 'Subject', to: 'To', when: (d) => `Fr., ${d}. Dez. 2026 um 10:15 Uhr` },
		appleAttribution: (d, p) => `Am ${d}.12.2026 um 10:15 schrieb ${p.name} <${p.email}>:`,
		appleForward: { separator: 'Anfang der weitergeleiteten Nachricht:', from: 'Von', subject: 'Betreff', date: 'Datum', to: 'An', when: (d) => `${d}. Dezember 2026 um 10:15:02 MEZ` },
		thunderbirdAttribution: (d, p) => `Am ${d}.12.26 um 10:15 schrieb ${p.name}:`,
		thunderbirdForward: { separator: '-------- Weitergeleitete Nachricht --------', subject: 'Betreff', date: 'Datum', from: 'Von', to: 'An' },
		yahooAttribution: (d, p) => `Am Freitag, ${d}. Dezember 2026, 10:15:00 MEZ hat ${p.name} <${p.email}> Folgendes geschrieben:`,
		yahooForward: { separator: '----- Weitergeleitete Nachricht -----', from: 'Von', to: 'An', sent: 'Gesendet', subject: 'Betreff' },
		protonAttribution: (d, p) => `Am Freitag, ${d}. Dezember 2026 um 10:15 schrieb ${p.name} <${p.email}>:`,
		protonFooter: 'Gesendet mit Proton Mail sichere E-Mail.',
	},
	fr: {
		greetings: ['Bonjour,', 'Madame, Monsieur,', 'Bonjour Bob,', 'Bonjour à tous,'],
		requests: [
			["J'ai commandé un bureau il y a deux semaines (commande 48213) et il n'est toujours pas expédié.", 'Pouvez-vous me dire quand il sera livré ? Il me le faut avant le 15.'],
			['Votre facture FA-2291 me facture deux fois l’abonnement annuel.', 'Merci de rembourser le second paiement sur ma carte.'],
			["Depuis la mise à jour d'hier, l'application me déconnecte toutes les deux minutes.", "J'utilise un iPhone 15 sous iOS 18.2, la réinstallation n'a rien changé."],
			['Nous souhaitons passer de 10 à 25 licences à partir du mois prochain.', 'Pourriez-vous nous envoyer un devis avec la remise éducation ?'],
			['Le colis est arrivé abîmé, le plateau en verre est fissuré.', 'Je préfère un remplacement plutôt qu’un remboursement.'],
		],
		signOffs: ['Cordialement,', 'Bien cordialement,', 'Merci d’avance,', 'Bien à vous,', 'Salutations,', 'Merci,'],
		agentReplies: [
			['merci de nous avoir contactés.', 'Pourriez-vous nous transmettre votre numéro de commande afin que nous puissions vérifier ?'],
			['nous sommes désolés pour ce problème.', 'Nos techniciens le connaissent et une correction est prévue dans la prochaine version.'],
			['merci pour votre patience.', 'Votre demande a été transmise au service facturation, qui vous répondra sous deux jours ouvrés.'],
		],
		agentSignOff: 'Cordialement',
		subjects: ['Commande 48213', 'Facture FA-2291', "L'application me déconnecte", 'Licences supplémentaires', 'Livraison abîmée'],
		titles: ['Responsable des achats', 'Assistante de direction', 'Gérant'],
		disclaimer: "Ce message et toutes les pièces jointes sont confidentiels et établis à l'intention exclusive de ses destinataires. Si vous avez reçu ce message par erreur, merci de le détruire et d'en avertir l'expéditeur.",
		iphone: 'Envoyé de mon iPhone',
		outlookMobile: 'Obtenir Outlook pour iOS',
		outlook: { from: 'De', sent: 'Envoyé', to: 'À', subject: 'Objet', re: 'RE :', fw: 'TR :', original: "-----Message d'origine-----", date: (d) => `vendredi ${d} décembre 2026 10:15` },
		gmailAttribution: (d, p) => `Le ven. ${d} déc. 2026 à 10:15, ${p.name} <${p.email}> a écrit :`,
		gmailForward: { separator: '---------- Forwarded message ---------', from: 'De', date: 'Date', subject: 'Subject', to: 'To', when: (d) => `ven. ${d} déc. 2026 à 10:15` },
		appleAttribution: (d, p) => `Le ${d} déc. 2026 à 10:15, ${p.name} <${p.email}> a écrit :`,
		appleForward: { separator: 'Début du message réexpédié :', from: 'De', subject: 'Objet', date: 'Date', to: 'À', when: (d) => `${d} décembre 2026 à 10:15:02 UTC+1` },
		thunderbirdAttribution: (d, p) => `Le ${d}/12/2026 à 10:15, ${p.name} a écrit :`,
		thunderbirdForward: { separator: '-------- Message transféré --------', subject: 'Sujet', date: 'Date', from: 'De', to: 'Pour' },
		yahooAttribution: (d, p) => `Le vendredi ${d} décembre 2026 à 10:15:00 UTC+1, ${p.name} <${p.email}> a écrit :`,
		yahooForward: { separator: '----- Message transféré -----', from: 'De', to: 'À', sent: 'Envoyé', subject: 'Objet' },
		protonAttribution: (d, p) => `Le vendredi ${d} décembre 2026 à 10:15, ${p.name} <${p.email}> a écrit :`,
		protonFooter: 'Envoyé avec la messagerie sécurisée Proton Mail.',
	},
	nl: {
		greetings: ['Hallo,', 'Beste klantenservice,', 'Geachte heer/mevrouw,', 'Hoi Bob,'],
		requests: [
			['Ik heb twee weken geleden een bureau besteld (bestelling 48213) en het is nog steeds niet verzonden.', 'Wanneer wordt het geleverd? Ik heb het voor de 15e nodig.'],
			['Op uw factuur F-2291 staat het jaarabonnement twee keer.', 'Wilt u de tweede betaling terugstorten op mijn creditcard?'],
			['Sinds de update van gisteren logt de app me elke paar minuten uit.', 'Ik gebruik een iPhone 15 met iOS 18.2, opnieuw installeren hielp niet.'],
			['We willen vanaf volgende maand van 10 naar 25 licenties.', 'Kunt u ons een offerte sturen met de onderwijskorting?'],
			['Het pakket kwam beschadigd aan, het glazen blad is gebarsten.', 'Ik heb liever een vervanging dan mijn geld terug.'],
		],
		signOffs: ['Met vriendelijke groet,', 'Vriendelijke groeten,', 'Groeten,', 'Alvast bedankt,', 'Mvg,', 'Hartelijke groet,'],
		agentReplies: [
			['bedankt voor uw bericht.', 'Kunt u ons uw bestelnummer sturen zodat we dit kunnen nakijken?'],
			['het spijt ons dat u problemen heeft.', 'Onze technici kennen de fout en een oplossing staat gepland voor de volgende versie.'],
			['bedankt voor uw geduld.', 'Uw vraag ligt nu bij onze financiële afdeling, die binnen twee werkdagen reageert.'],
		],
		agentSignOff: 'Met vriendelijke groet',
		subjects: ['Bestelling 48213', 'Factuur F-2291', 'App logt uit', 'Extra licenties', 'Beschadigde levering'],
		titles: ['Hoofd inkoop', 'Officemanager', 'Directeur'],
		disclaimer: 'De informatie verzonden met dit e-mailbericht is uitsluitend bestemd voor de geadresseerde. Indien u dit bericht ten onrechte ontvangt, wordt u verzocht de inhoud niet te gebruiken en de afzender direct te informeren.',
		iphone: 'Verstuurd vanaf mijn iPhone',
		outlookMobile: 'Outlook voor iOS downloaden',
		outlook: { from: 'Van', sent: 'Verzonden', to: 'Aan', subject: 'Onderwerp', re: 'RE:', fw: 'FW:', original: '-----Oorspronkelijk bericht-----', date: (d) => `vrijdag ${d} december 2026 10:15` },
		gmailAttribution: (d, p) => `Op vr ${d} dec 2026 om 10:15 schreef ${p.name} <${p.email}>:`,
		gmailForward: { separator: '---------- Doorgestuurd bericht ---------', from: 'Van', date: 'Date', subject: 'Subject', to: 'To', when: (d) => `vr ${d} dec 2026 om 10:15` },
		appleAttribution: (d, p) => `Op ${d} dec 2026, om 10:15 heeft ${p.name} <${p.email}> het volgende geschreven:`,
		appleForward: { separator: 'Begin doorgestuurd bericht:', from: 'Van', subject: 'Onderwerp', date: 'Datum', to: 'Aan', when: (d) => `${d} december 2026 om 10:15:02 CET` },
		thunderbirdAttribution: (d, p) => `Op ${d}-12-2026 om 10:15 schreef ${p.name}:`,
		thunderbirdForward: { separator: '-------- Doorgestuurd bericht --------', subject: 'Onderwerp', date: 'Datum', from: 'Van', to: 'Aan' },
		yahooAttribution: (d, p) => `Op vrijdag ${d} december 2026 10:15:00 CET schreef ${p.name} <${p.email}>:`,
		yahooForward: { separator: '----- Doorgestuurd bericht -----', from: 'Van', to: 'Aan', sent: 'Verzonden', subject: 'Onderwerp' },
		protonAttribution: (d, p) => `Op vrijdag ${d} december 2026 om 10:15 schreef ${p.name} <${p.email}>:`,
		protonFooter: 'Verzonden met Proton Mail beveiligde e-mail.',
	},
	es: {
		greetings: ['Hola,', 'Buenos días,', 'Estimados señores:', 'Hola Bob,'],
		requests: [
			['Hace dos semanas pedí un escritorio (pedido 48213) y todavía no se ha enviado.', '¿Pueden decirme cuándo llegará? Lo necesito antes del día 15.'],
			['Su factura FV-2291 me cobra dos veces la suscripción anual.', 'Por favor, devuelvan el segundo pago a mi tarjeta.'],
			['Desde la actualización de ayer la aplicación me desconecta cada pocos minutos.', 'Uso un iPhone 15 con iOS 18.2 y reinstalarla no ha servido.'],
			['Queremos ampliar de 10 a 25 licencias a partir del mes que viene.', '¿Podrían enviarnos un presupuesto con el descuento educativo?'],
			['El paquete llegó dañado, el tablero de cristal está roto.', 'Prefiero un reemplazo antes que un reembolso.'],
		],
		signOffs: ['Saludos,', 'Un saludo,', 'Saludos cordiales,', 'Atentamente,', 'Muchas gracias,', 'Un abrazo,'],
		agentReplies: [
			['gracias por ponerse en contacto con nosotros.', '¿Podría enviarnos su número de pedido para que podamos revisarlo?'],
			['sentimos mucho las molestias.', 'Nuestros técnicos conocen el problema y la solución está prevista para la próxima versión.'],
			['gracias por su paciencia.', 'Su consulta ha pasado al departamento de facturación, que le responderá en dos días laborables.'],
		],
		agentSignOff: 'Atentamente',
		subjects: ['Pedido 48213', 'Factura FV-2291', 'La aplicación me desconecta', 'Ampliación de licencias', 'Entrega dañada'],
		titles: ['Responsable de compras', 'Administración', 'Gerente'],
		disclaimer: 'Este mensaje y sus archivos adjuntos son confidenciales y están dirigidos exclusivamente a su destinatario. Si ha recibido este mensaje por error, le rogamos que lo comunique al remitente y lo elimine.',
		iphone: 'Enviado desde mi iPhone',
		outlookMobile: 'Obtener Outlook para iOS',
		outlook: { from: 'De', sent: 'Enviado el', to: 'Para', subject: 'Asunto', re: 'RE:', fw: 'RV:', original: '-----Mensaje original-----', date: (d) => `viernes, ${d} de diciembre de 2026 10:15` },
		gmailAttribution: (d, p) => `El vie, ${d} dic 2026 a las 10:15, ${p.name} (<${p.email}>) escribió:`,
		gmailForward: { separator: '---------- Forwarded message ---------', from: 'De', date: 'Date', subject: 'Subject', to: 'To', when: (d) => `vie, ${d} dic 2026 a las 10:15` },
		appleAttribution: (d, p) => `El ${d} dic 2026, a las 10:15, ${p.name} <${p.email}> escribió:`,
		appleForward: { separator: 'Inicio del mensaje reenviado:', from: 'De', subject: 'Asunto', date: 'Fecha', to: 'Para', when: (d) => `${d} de diciembre de 2026, 10:15:02 CET` },
		thunderbirdAttribution: (d, p) => `El ${d}/12/26 a las 10:15, ${p.name} escribió:`,
		thunderbirdForward: { separator: '-------- Mensaje reenviado --------', subject: 'Asunto', date: 'Fecha', from: 'De', to: 'Para' },
		yahooAttribution: (d, p) => `El viernes, ${d} de diciembre de 2026, 10:15:00 GMT+1, ${p.name} <${p.email}> escribió:`,
		yahooForward: { separator: '----- Mensaje reenviado -----', from: 'De', to: 'Para', sent: 'Enviado', subject: 'Asunto' },
		protonAttribution: (d, p) => `El viernes, ${d} de diciembre de 2026 a las 10:15, ${p.name} <${p.email}> escribió:`,
		protonFooter: 'Enviado con el correo electrónico seguro de Proton Mail.',
	},
	it: {
		greetings: ['Buongiorno,', 'Salve,', 'Gentile assistenza,', 'Ciao Bob,'],
		requests: [
			['Due settimane fa ho ordinato una scrivania (ordine 48213) e non è ancora stata spedita.', 'Potete dirmi quando arriverà? Mi serve entro il 15.'],
			["La vostra fattura FT-2291 mi addebita due volte l'abbonamento annuale.", 'Vi prego di rimborsare il secondo pagamento sulla mia carta.'],
			["Dall'aggiornamento di ieri l'app mi disconnette ogni pochi minuti.", 'Uso un iPhone 15 con iOS 18.2, reinstallarla non è servito.'],
			['Vorremmo passare da 10 a 25 licenze dal mese prossimo.', 'Potreste inviarci un preventivo con lo sconto istruzione?'],
			['Il pacco è arrivato danneggiato, il piano in vetro è crepato.', 'Preferisco una sostituzione al rimborso.'],
		],
		signOffs: ['Cordiali saluti,', 'Distinti saluti,', 'Saluti,', 'Grazie mille,', 'Un saluto,'],
		agentReplies: [
			['grazie per averci contattato.', "Potrebbe inviarci il numero d'ordine così possiamo verificare?"],
			['ci dispiace per il problema.', 'I nostri tecnici lo conoscono e la correzione è prevista nella prossima versione.'],
			['grazie per la pazienza.', "La sua richiesta è passata all'ufficio fatturazione, che risponderà entro due giorni lavorativi."],
		],
		agentSignOff: 'Cordiali saluti',
		subjects: ['Ordine 48213', 'Fattura FT-2291', "L'app mi disconnette", 'Licenze aggiuntive', 'Consegna danneggiata'],
		titles: ['Responsabile acquisti', 'Segreteria', 'Amministratore'],
		disclaimer: 'Questo messaggio e i suoi allegati sono riservati e destinati esclusivamente al destinatario. Se ha ricevuto questo messaggio per errore, la preghiamo di avvisare il mittente e di cancellarlo.',
		iphone: 'Inviato da iPhone',
		outlookMobile: 'Scarica Outlook per iOS',
		outlook: { from: 'Da', sent: 'Inviato', to: 'A', subject: 'Oggetto', re: 'R:', fw: 'I:', original: '-----Messaggio originale-----', date: (d) => `venerdì ${d} dicembre 2026 10:15` },
		gmailAttribution: (d, p) => `Il giorno ven ${d} dic 2026 alle ore 10:15 ${p.name} <${p.email}> ha scritto:`,
		gmailForward: { separator: '---------- Messaggio inoltrato ---------', from: 'Da', date: 'Date', subject: 'Subject', to: 'To', when: (d) => `ven ${d} dic 2026 alle ore 10:15` },
		appleAttribution: (d, p) => `Il giorno ${d} dic 2026, alle ore 10:15, ${p.name} <${p.email}> ha scritto:`,
		appleForward: { separator: 'Inizio messaggio inoltrato:', from: 'Da', subject: 'Oggetto', date: 'Data', to: 'A', when: (d) => `${d} dicembre 2026 10:15:02 CET` },
		thunderbirdAttribution: (d, p) => `Il ${d}/12/26 10:15, ${p.name} ha scritto:`,
		thunderbirdForward: { separator: '-------- Messaggio Inoltrato --------', subject: 'Oggetto', date: 'Data', from: 'Mittente', to: 'A' },
		yahooAttribution: (d, p) => `Il venerdì ${d} dicembre 2026, 10:15:00 CET, ${p.name} <${p.email}> ha scritto:`,
		yahooForward: { separator: '----- Messaggio inoltrato -----', from: 'Da', to: 'A', sent: 'Inviato', subject: 'Oggetto' },
		protonAttribution: (d, p) => `Il venerdì ${d} dicembre 2026 alle 10:15, ${p.name} <${p.email}> ha scritto:`,
		protonFooter: 'Inviato con la posta elettronica sicura di Proton Mail.',
	},
	pt: {
		greetings: ['Olá,', 'Bom dia,', 'Prezados,', 'Olá Bob,'],
		requests: [
			['Encomendei uma secretária há duas semanas (encomenda 48213) e ainda não foi enviada.', 'Podem dizer-me quando será entregue? Preciso dela antes do dia 15.'],
			['A vossa fatura FT-2291 cobra-me duas vezes a assinatura anual.', 'Por favor devolvam o segundo pagamento para o meu cartão.'],
			['Desde a atualização de ontem a aplicação termina a minha sessão a cada poucos minutos.', 'Uso um iPhone 15 com iOS 18.2 e reinstalar não resolveu.'],
			['Queremos passar de 10 para 25 licenças a partir do próximo mês.', 'Podem enviar-nos um orçamento com o desconto para educação?'],
			['A encomenda chegou danificada, o tampo de vidro está rachado.', 'Prefiro uma substituição a um reembolso.'],
		],
		signOffs: ['Cumprimentos,', 'Melhores cumprimentos,', 'Atenciosamente,', 'Obrigado,', 'Abraços,'],
		agentReplies: [
			['obrigado pelo seu contacto.', 'Pode enviar-nos o número da encomenda para podermos verificar?'],
			['lamentamos o incómodo.', 'Os nossos técnicos conhecem o problema e a correção está prevista para a próxima versão.'],
			['obrigado pela sua paciência.', 'O seu pedido foi encaminhado para a faturação, que responderá em dois dias úteis.'],
		],
		agentSignOff: 'Com os melhores cumprimentos',
		subjects: ['Encomenda 48213', 'Fatura FT-2291', 'A aplicação termina a sessão', 'Licenças adicionais', 'Entrega danificada'],
		titles: ['Diretor de compras', 'Secretariado', 'Gerente'],
		disclaimer: 'Esta mensagem e os seus anexos são confidenciais e destinam-se exclusivamente ao destinatário. Se recebeu esta mensagem por engano, por favor informe o remetente e apague-a.',
		iphone: 'Enviado do meu iPhone',
		outlookMobile: 'Obter o Outlook para iOS',
		outlook: { from: 'De', sent: 'Enviado', to: 'Para', subject: 'Assunto', re: 'RE:', fw: 'RE:', original: '-----Mensagem original-----', date: (d) => `sexta-feira, ${d} de dezembro de 2026 10:15` },
		gmailAttribution: (d, p) => `Em sex., ${d} de dez. de 2026 às 10:15, ${p.name} <${p.email}> escreveu:`,
		gmailForward: { separator: '---------- Mensagem encaminhada ---------', from: 'De', date: 'Date', subject: 'Subject', to: 'To', when: (d) => `sex., ${d} de dez. de 2026 às 10:15` },
		appleAttribution: (d, p) => `Em ${d} de dez. de 2026, à(s) 10:15, ${p.name} <${p.email}> escreveu:`,
		appleForward: { separator: 'Início da mensagem reencaminhada:', from: 'De', subject: 'Assunto', date: 'Data', to: 'Para', when: (d) => `${d} de dezembro de 2026 10:15:02 WET` },
		thunderbirdAttribution: (d, p) => `Em ${d}/12/2026 10:15, ${p.name} escreveu:`,
		thunderbirdForward: { separator: '-------- Mensagem encaminhada --------', subject: 'Assunto', date: 'Data', from: 'De', to: 'Para' },
		yahooAttribution: (d, p) => `Em sexta-feira, ${d} de dezembro de 2026 10:15:00 WET, ${p.name} <${p.email}> escreveu:`,
		yahooForward: { separator: '----- Mensagem encaminhada -----', from: 'De', to: 'Para', sent: 'Enviado', subject: 'Assunto' },
		protonAttribution: (d, p) => `Em sexta-feira, ${d} de dezembro de 2026 às 10:15, ${p.name} <${p.email}> escreveu:`,
		protonFooter: 'Enviado com o e-mail seguro Proton Mail.',
	},
};

const CUSTOMERS: Person[] = [
	{ name: 'Anna Schmidt', email: 'anna.schmidt@kunde-gmbh.example' },
	{ name: 'Pierre Martin', email: 'p.martin@client-sarl.example' },
	{ name: 'Sanne de Vries', email: 'sanne@klant-bv.example' },
	{ name: 'Lucía García', email: 'lucia.garcia@cliente.example' },
	{ name: 'Tom Baker', email: 'tom.baker@customer-ltd.example' },
	{ name: 'Giulia Rossi', email: 'giulia.rossi@cliente-srl.example' },
	{ name: 'João Silva', email: 'joao.silva@cliente-lda.example' },
];
const AGENT_GREETING: Record<Language, string> = { en: 'Dear', de: 'Hallo', fr: 'Bonjour', nl: 'Beste', es: 'Hola', it: 'Gentile', pt: 'Olá' };
const AGENT: Person = { name: 'Bob Weber', email: 'support@shop.example' };
const COMPANIES = ['Kunde GmbH', 'Client SARL', 'Klant B.V.', 'Cliente S.L.', 'Customer Ltd', 'Cliente S.r.l.', 'Cliente Lda'];
const PHONES = ['+49 30 12345678', '+33 1 42 68 53 00', '+31 20 794 8500', '+34 912 345 678', '+44 20 7946 0958', '+39 06 6982 1234', '+351 21 123 4567'];

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)];

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One message of a thread: its lines, and who wrote it when. */
interface Message {
	from: Person;
	to: Person;
	day: number;
	subject: string;
	/** The body as written (greeting, text, sign-off, signature), one line per entry, "" for a break. */
	lines: string[];
}

/** How each client writes a reply (or forward) on top of an earlier message, in plain text. */
function plainHistory(client: Client, pack: LanguagePack, older: Message, forward: boolean, level: number, rand: () => number): string[] {
	const body = older.lines;
	const quote = (lines: string[]): string[] => lines.map((l) => (l === '' ? '>' : l.startsWith('>') ? `>${l}` : `> ${l}`));
	const o = pack.outlook;
	const outlookHeader = (): string[] => [
		`${o.from}: ${older.from.name} <${older.from.email}>`,
		`${o.sent}: ${o.date(older.day)}`,
		`${o.to}: ${older.to.name} <${older.to.email}>`,
		`${o.subject}: ${forward ? o.fw : o.re} ${older.subject}`,
	];
	switch (client) {
		case 'gmail': {
			if (forward) {
				const f = pack.gmailForward;
				return [f.separator, `${f.from}: ${older.from.name} <${older.from.email}>`, `${f.date}: ${f.when(older.day)}`, `${f.subject}: ${older.subject}`, `${f.to}: <${older.to.email}>`, '', ...body];
			}
			const attribution = pack.gmailAttribution(older.day, older.from);
			// Gmail's plain-text part wraps the attribution at 78 characters, often inside the address.
			const wrapped = attribution.length > 78 && rand() < 0.5 ? [attribution.slice(0, attribution.indexOf('<') + 1), attribution.slice(attribution.indexOf('<') + 1)] : [attribution];
			return [...wrapped, '', ...quote(body)];
		}
		case 'outlook-desktop':
			return level > 1 || rand() < 0.5 ? [o.original, ...outlookHeader(), '', ...body] : [...outlookHeader(), '', ...body];
		case 'outlook-web':
		case 'mobile':
			if (client === 'mobile' && !forward && level === 1 && rand() < 0.5) {
				return [pack.appleAttribution(older.day, older.from), '', ...quote(body)];
			}
			return ['________________________________', ...outlookHeader(), '', ...body];
		case 'apple-mail': {
			if (forward) {
				const f = pack.appleForward;
				return [f.separator, '', `${f.from}: ${older.from.name} <${older.from.email}>`, `${f.subject}: ${older.subject}`, `${f.date}: ${f.when(older.day)}`, `${f.to}: ${older.to.name} <${older.to.email}>`, '', ...body];
			}
			return [pack.appleAttribution(older.day, older.from), '', ...quote(body)];
		}
		case 'thunderbird': {
			if (forward) {
				const f = pack.thunderbirdForward;
				return [f.separator, `${f.subject}: ${older.subject}`, `${f.date}: Fri, ${older.day} Dec 2026 10:15:02 +0100`, `${f.from}: ${older.from.name} <${older.from.email}>`, `${f.to}: ${older.to.email}`, '', ...body];
			}
			return [pack.thunderbirdAttribution(older.day, older.from), '', ...quote(body)];
		}
		case 'yahoo': {
			if (forward) {
				const f = pack.yahooForward;
				return [f.separator, `${f.from}: ${older.from.name} <${older.from.email}>`, `${f.to}: ${older.to.name} <${older.to.email}>`, `${f.sent}: ${o.date(older.day)}`, `${f.subject}: ${older.subject}`, '', ...body];
			}
			// Yahoo's plain part quotes nothing: the older message follows the attribution as is.
			return [pack.yahooAttribution(older.day, older.from), '', '', ...body];
		}
		case 'protonmail': {
			if (forward) {
				return ['------- Forwarded Message -------', `From: ${older.from.name} <${older.from.email}>`, `Date: On Friday, December ${older.day}th, 2026 at 10:15`, `Subject: ${older.subject}`, `To: ${older.to.email}`, '', ...body];
			}
			return ['------- Original Message -------', pack.protonAttribution(older.day, older.from), '', ...quote(body)];
		}
	}
}

/** Lines to HTML paragraphs the way most clients write them (one div per line, <br> for empty ones). */
const divs = (lines: string[], cls = ''): string => lines.map((l) => (l === '' ? `<div${cls}><br></div>` : `<div${cls}>${escapeHtml(l)}</div>`)).join('');
const brs = (lines: string[]): string => lines.map(escapeHtml).join('<br>');

interface HtmlBody {
	text: string[];
	signature: string[];
}

/** How each client wraps an earlier message (already HTML, with its own history inside) below a reply or forward. */
function htmlQuote(client: Client, pack: LanguagePack, older: Message, inner: string, forward: boolean): string {
	const o = pack.outlook;
	const sender = escapeHtml(`${older.from.name} <${older.from.email}>`);
	const header = [`<b>${o.from}:</b> ${sender}`, `<b>${o.sent}:</b> ${o.date(older.day)}`, `<b>${o.to}:</b> ${escapeHtml(older.to.name)}`, `<b>${o.subject}:</b> ${forward ? o.fw : o.re} ${escapeHtml(older.subject)}`].join('<br>');
	switch (client) {
		case 'gmail': {
			const g = pack.gmailForward;
			if (forward) {
				return `<div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">${g.separator}<br>${g.from}: <strong class="gmail_sendername" dir="auto">${escapeHtml(older.from.name)}</strong> <span dir="auto">&lt;${older.from.email}&gt;</span><br>${g.date}: ${g.when(older.day)}<br>${g.subject}: ${escapeHtml(older.subject)}<br>${g.to}: &lt;${older.to.email}&gt;<br></div><br><br>${inner}</div>`;
			}
			return `<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">${escapeHtml(pack.gmailAttribution(older.day, older.from))}<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">${inner}</blockquote></div>`;
		}
		case 'outlook-desktop':
			return `<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal">${header}<o:p></o:p></p></div>\n<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n${inner}`;
		case 'mobile':
			if (!forward) return `<div dir="ltr"><br><blockquote type="cite">${escapeHtml(pack.appleAttribution(older.day, older.from))}<br><br></blockquote></div><blockquote type="cite">${inner}</blockquote>`;
			return `<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">${header}</font><div>&nbsp;</div></div><div>${inner}</div>`;
		case 'outlook-web':
			return `<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">${header}</font><div>&nbsp;</div></div><div>${inner}</div>`;
		case 'apple-mail': {
			const f = pack.appleForward;
			if (forward) {
				const row = (label: string, value: string): string => `<div style="margin:0"><span><b>${label}: </b></span><span>${value}</span></div>`;
				return `<div><br><blockquote type="cite"><div>${escapeHtml(f.separator)}</div><br class="Apple-interchange-newline">${row(f.from, sender)}${row(f.subject, `<b>${escapeHtml(older.subject)}</b>`)}${row(f.date, f.when(older.day))}${row(f.to, escapeHtml(older.to.name))}<br><div>${inner}</div></blockquote></div>`;
			}
			return `<div><br><blockquote type="cite"><div>${escapeHtml(pack.appleAttribution(older.day, older.from))}</div><br class="Apple-interchange-newline"><div><div>${inner}</div></div></blockquote></div>`;
		}
		case 'thunderbird': {
			const f = pack.thunderbirdForward;
			if (forward) {
				const row = (label: string, value: string): string => `<tr><th valign="BASELINE" nowrap="nowrap" align="RIGHT">${label}: </th><td>${value}</td></tr>`;
				return `<div class="moz-forward-container"><br><br>${f.separator}<table class="moz-email-headers-table" cellspacing="0" cellpadding="0" border="0"><tbody>${row(f.subject, escapeHtml(older.subject))}${row(f.date, `Fri, ${older.day} Dec 2026 10:15:02 +0100`)}${row(f.from, sender)}${row(f.to, older.to.email)}</tbody></table><br>${inner}</div>`;
			}
			return `<div class="moz-cite-prefix">${escapeHtml(pack.thunderbirdAttribution(older.day, older.from))}<br></div><blockquote type="cite" cite="mid:4711@shop.example">${inner}</blockquote>`;
		}
		case 'yahoo': {
			const f = pack.yahooForward;
			const attr = forward ? `${f.separator}<br>${f.from}: ${sender}<br>${f.to}: ${escapeHtml(older.to.name)}<br>${f.sent}: ${o.date(older.day)}<br>${f.subject}: ${escapeHtml(older.subject)}` : escapeHtml(pack.yahooAttribution(older.day, older.from));
			return `<div id="ydp2f1yahoo_quoted_8812" class="yahoo_quoted"><div style="font-family:'Helvetica Neue', Helvetica, Arial, sans-serif;font-size:13px;color:#26282a;"><div>${attr}</div><div><br></div><div><br></div><div><div id="yiv4412">${inner}</div></div></div></div>`;
		}
		case 'protonmail': {
			const attr = forward ? `------- Forwarded Message -------<br>From: ${sender}<br>Date: On Friday, December ${older.day}th, 2026 at 10:15<br>Subject: ${escapeHtml(older.subject)}<br>To: ${older.to.email}<br>` : `${escapeHtml(pack.protonAttribution(older.day, older.from))}<br>`;
			return `<div class="protonmail_quote">${attr}<blockquote class="protonmail_quote" type="cite">${inner}</blockquote><br></div>`;
		}
	}
}

/** The whole HTML e-mail as each client writes it: the new text, its signature container, then the history. */
function htmlEmail(client: Client, body: HtmlBody, quote: string): string {
	const { text, signature } = body;
	switch (client) {
		case 'gmail': {
			const sig = signature.length ? `<br clear="all"><div><br></div><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature">${brs(signature)}</div>` : '';
			return `<div dir="ltr">${divs(text)}${sig}</div>${quote}\n`;
		}
		case 'outlook-desktop': {
			const p = (lines: string[]): string => lines.map((l) => `<p class="MsoNormal">${l === '' ? '<o:p>&nbsp;</o:p>' : `${escapeHtml(l)}<o:p></o:p>`}</p>`).join('\n');
			return `<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><style><!--\np.MsoNormal, li.MsoNormal {margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif;}\n--></style></head><body lang="DE" link="#0563C1" vlink="#954F72" style="word-wrap:break-word"><div class="WordSection1">\n${p(text)}\n<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n${p(signature)}\n<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n${quote}</div></body></html>\n`;
		}
		case 'mobile':
			// iOS Mail: the signature ("Sent from my iPhone") in its own div after a marked line break.
			return `<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body dir="auto">${divs(text, ' dir="ltr"')}<div dir="ltr"><br id="lineBreakAtBeginningOfSignature"><div dir="ltr">${brs(signature)}</div></div>${quote}</body></html>\n`;
		case 'outlook-web': {
			const sig = signature.length ? `<div id="Signature"><div>${brs(signature)}</div></div>` : '';
			return `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style></head><body dir="ltr">${divs(text, ' class="elementToProof" style="font-family: Aptos, sans-serif; font-size: 12pt;"')}<div><br></div>${sig}${quote}</body></html>\n`;
		}
		case 'apple-mail':
			return `<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">${divs(text)}<div><br></div>${divs(signature)}${quote}<br></body></html>\n`;
		case 'thunderbird': {
			const sig = signature.length ? `<pre class="moz-signature" cols="72">-- \n${escapeHtml(signature.join('\n'))}</pre>` : '';
			return `<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head><body><p>${brs(text)}</p>${sig}${quote}</body></html>\n`;
		}
		case 'yahoo': {
			const sig = signature.length ? `<div id="ydpsig" class="signature">${brs(signature)}</div>` : '';
			return `<html><head></head><body><div class="ydp9a1yahoo-style-wrap" style="font-family:Helvetica Neue, Helvetica, Arial, sans-serif;font-size:16px;">${divs(text, ' dir="ltr" data-setdir="false"')}<div><br></div>${sig}</div>${quote}</body></html>\n`;
		}
		case 'protonmail': {
			const sig = signature.length ? `<div class="protonmail_signature_block"><div class="protonmail_signature_block-user">${brs(signature.slice(0, -1))}</div><div class="protonmail_signature_block-proton">${escapeHtml(signature[signature.length - 1])}</div></div>` : '';
			return `${text.map((l) => `<div style="font-family: Arial, sans-serif; font-size: 14px;">${l === '' ? '<br>' : escapeHtml(l)}</div>`).join('')}<div style="font-family: Arial, sans-serif; font-size: 14px;"><br></div>${sig}${quote}\n`;
		}
	}
}

/** The thread below the new message in HTML: each older message inside the next one's quote, innermost first. */
function htmlHistory(client: Client, pack: LanguagePack, thread: Message[], forward: boolean): string {
	let quote = '';
	for (let i = thread.length - 1; i >= 0; i--) quote = htmlQuote(client, pack, thread[i], divs(thread[i].lines) + quote, forward && i === 0);
	return quote;
}

/** The customer's signature as their client writes it (a sign-off, name, contact lines, a footer). */
function customerSignature(client: Client, pack: LanguagePack, who: Person, index: number, rand: () => number): string[] {
	const signOff = pick(rand, pack.signOffs);
	const first = who.name.split(' ')[0];
	const company = COMPANIES[index % COMPANIES.length];
	const phone = PHONES[index % PHONES.length];
	const contact = [[first], [who.name, pick(rand, pack.titles), company, phone], [who.name, company], [first, `${company} | ${phone}`, `www.${who.email.split('@')[1]}`]][index % 4];
	const lines = [signOff, ...contact];
	if (client === 'mobile') lines.push('', index % 2 === 0 ? pack.iphone : pack.outlookMobile);
	if (client === 'protonmail') lines.push('', pack.protonFooter);
	return lines;
}

function languageOf(pack: LanguagePack): Language {
	return LANGUAGES.find((l) => PACKS[l] === pack) ?? 'en';
}

function agentMessage(pack: LanguagePack, to: Person, day: number, subject: string, variant: number): Message {
	const first = to.name.split(' ')[0];
	return {
		from: AGENT,
		to,
		day,
		subject,
		lines: [`${AGENT_GREETING[languageOf(pack)]} ${first},`, '', ...pack.agentReplies[variant % pack.agentReplies.length], '', pack.agentSignOff, AGENT.name, 'Shop Support'],
	};
}

function customerEarlier(pack: LanguagePack, from: Person, day: number, subject: string, variant: number): Message {
	const request = pack.requests[(variant + 2) % pack.requests.length];
	return { from, to: AGENT, day, subject, lines: [pack.greetings[1], '', ...request, '', pack.signOffs[0], from.name.split(' ')[0]] };
}

/** Older messages' own lines (not greetings and sign-offs shared with the new message) that must be gone. */
const distinctive = (messages: Message[], keep: Set<string>): string[] => [...new Set(messages.flatMap((m) => m.lines).filter((l) => l.length > 12 && !keep.has(l)))];

/** One generated case: `index` picks client, language, format, thread shape and signature style. */
export function generateEmail(index: number): EmailCase {
	const client = CLIENTS[index % CLIENTS.length];
	const language = LANGUAGES[Math.floor(index / CLIENTS.length) % LANGUAGES.length];
	const format: Format = Math.floor(index / (CLIENTS.length * LANGUAGES.length)) % 2 === 0 ? 'plain' : 'html';
	const round = Math.floor(index / (CLIENTS.length * LANGUAGES.length * 2));
	const rand = createRandom(index * 7919 + 17);
	const pack = PACKS[language];
	const customer = CUSTOMERS[(index + round) % CUSTOMERS.length];
	const variant = index + round * 3;
	const subjectIndex = variant % pack.subjects.length;
	const subject = pack.subjects[subjectIndex];
	const forward = (index + round) % 5 === 4;
	const levels = 1 + ((index + round) % 3);
	const withDisclaimer = (index + round) % 3 === 0;

	// The thread below the new message, newest first: agent reply, the customer's earlier mail, an older reply.
	const thread: Message[] = [];
	for (let level = 0; level < levels; level++) {
		const day = 4 - level;
		thread.push(level % 2 === 0 ? agentMessage(pack, customer, day, subject, variant + level) : customerEarlier(pack, customer, day, subject, variant + level));
	}

	const greeting = pack.greetings[variant % pack.greetings.length];
	const request = pack.requests[subjectIndex];
	const signature = customerSignature(client, pack, customer, index, rand);
	const text = [greeting, '', ...request];
	const disclaimer = withDisclaimer ? [pack.disclaimer] : [];
	const fullSignature = [...signature, ...(withDisclaimer ? ['', pack.disclaimer] : [])];

	let raw: string;
	if (format === 'plain') {
		const sigLines = client === 'thunderbird' || (client === 'gmail' && index % 2 === 0) ? ['-- ', ...fullSignature] : fullSignature;
		let history: string[] = [];
		for (let level = thread.length - 1; level >= 0; level--) {
			const older = { ...thread[level], lines: level === thread.length - 1 ? thread[level].lines : [...thread[level].lines, '', ...history] };
			history = plainHistory(client, pack, older, forward && level === 0, level + 1, rand);
		}
		raw = [...text, '', ...sigLines, '', ...history].join(client === 'outlook-desktop' ? '\r\n' : '\n');
	} else {
		raw = htmlEmail(client, { text, signature: fullSignature }, htmlHistory(client, pack, thread, forward));
	}
	const keep = new Set([...text, ...fullSignature]);
	return {
		id: `${index}-${client}-${language}-${format}`,
		client,
		language,
		format,
		kind: forward ? 'forward' : 'reply',
		raw,
		message: text.filter((l) => l !== ''),
		history: distinctive(thread, keep),
		signature: signature.filter((l) => l !== ''),
		disclaimer,
	};
}

function hard(id: string, language: Language, format: Format, note: string, raw: string, message: string[], rest: Partial<Pick<EmailCase, 'history' | 'signature' | 'disclaimer' | 'client'>> = {}): EmailCase {
	return { id: `hard-${id}`, client: rest.client ?? 'gmail', language, format, kind: 'hard', raw, message, history: rest.history ?? [], signature: rest.signature ?? [], disclaimer: rest.disclaimer ?? [], note };
}

/** Client variants the generator does not write (other apps, other versions), one reply each. */
export function variantCases(): EmailCase[] {
	const old = ['Dear customer,', 'your return has been registered under number R-5521.', 'Kind regards, Shop Support'];
	const history = [old[1]];
	const reply = (id: string, client: Client, language: Language, message: string[], attribution: string[], quote: (l: string) => string = (l) => `> ${l}`): EmailCase =>
		hard(`variant-${id}`, language, 'plain', `${client} variant`, [...message, '', ...attribution, '', ...old.map(quote)].join('\n'), message, { history, client });
	const plain = (l: string): string => l;
	return [
		reply('gmail-android-de', 'mobile', 'de', ['Hallo,', 'die Rücksendung ist noch nicht gutgeschrieben.'], ['Shop Support <support@shop.example> schrieb am Fr., 4. Dez. 2026, 10:15:']),
		reply('samsung-email-en', 'mobile', 'en', ['Hi,', 'the refund is still missing.'], ['-------- Original message --------', 'From: Shop Support <support@shop.example> ', 'Date: 04/12/2026 10:15 (GMT+01:00) ', 'To: tom.baker@customer-ltd.example ', 'Subject: Return R-5521 '], plain),
		reply('outlook-mac-en', 'outlook-desktop', 'en', ['Hello,', 'can you confirm the pickup date?'], ['From: Shop Support <support@shop.example>', 'Date: Friday, 4 December 2026 at 10:15', 'To: Tom Baker <tom.baker@customer-ltd.example>', 'Subject: Return R-5521'], plain),
		reply('apple-mail-nl-no-address', 'apple-mail', 'nl', ['Hallo,', 'wanneer wordt het pakket opgehaald?'], ['Op 4 dec. 2026, om 10:15, heeft Shop Support het volgende geschreven:']),
		reply('lotus-notes-de', 'outlook-desktop', 'de', ['Guten Tag,', 'bitte senden Sie mir ein Versandetikett.'], ['"Shop Support" <support@shop.example> schrieb am 04.12.2026 10:15:']),
		reply('gmail-mobile-es', 'mobile', 'es', ['Hola,', 'todavía no he recibido el reembolso.'], ['El vie., 4 dic. 2026 10:15, Shop Support <support@shop.example> escribió:']),
		reply('outlook-fr-nbsp', 'outlook-web', 'fr', ['Bonjour,', 'le remboursement n’est toujours pas arrivé.'], ['De\u00A0: Shop Support <support@shop.example>', 'Envoyé\u00A0: vendredi 4 décembre 2026 10:15', 'À\u00A0: Pierre Martin', 'Objet\u00A0: RE: Retour R-5521'], plain),
		reply('gmail-it-wrapped', 'gmail', 'it', ['Buongiorno,', 'il rimborso non è ancora arrivato.'], ['Il giorno ven 4 dic 2026 alle ore 10:15 Shop Support <', 'support@shop.example> ha scritto:']),
		reply('web-de-outlook-pt', 'outlook-web', 'pt', ['Olá,', 'o reembolso ainda não chegou.'], ['De: Shop Support <support@shop.example>', 'Enviado: sexta-feira, 4 de dezembro de 2026 10:15', 'Para: João Silva', 'Assunto: RE: Devolução R-5521'], plain),
		reply('thunderbird-old-en', 'thunderbird', 'en', ['Hi,', 'please send the label again.'], ['Shop Support wrote on 04.12.2026 10:15:']),
	];
}

/** Cases that break naive rules: each names what it tests. */
export function hardCases(): EmailCase[] {
	const en = PACKS.en;
	const older = agentMessage(en, CUSTOMERS[4], 3, 'Order 48213', 0);
	return [
		hard('inline-reply', 'en', 'plain', 'answers typed between the quoted questions', ['On Thu, Dec 3, 2026 at 9:02 AM Bob Weber <support@shop.example> wrote:', '> Could you send us the order number?', '', 'It is 48213, placed on November 20.', '', '> And which address should we deliver to?', '', 'Hauptstraße 5, 10115 Berlin, second floor.', '', '> Kind regards', '> Bob'].join('\n'), ['It is 48213, placed on November 20.', 'Hauptstraße 5, 10115 Berlin, second floor.'], { history: ['Could you send us the order number?', 'And which address should we deliver to?'] }),
		hard('inline-reply-html', 'de', 'html', 'Thunderbird HTML, answers between blockquotes', '<html><body><div class="moz-cite-prefix">Am 03.12.26 um 09:02 schrieb Bob Weber:<br></div><blockquote type="cite">Könnten Sie uns bitte Ihre Bestellnummer schicken?</blockquote><p>Die Nummer ist 48213.</p><blockquote type="cite">Und an welche Adresse sollen wir liefern?</blockquote><p>Hauptstraße 5, 10115 Berlin.</p><pre class="moz-signature" cols="72">-- \nAnna Schmidt</pre></body></html>', ['Die Nummer ist 48213.', 'Hauptstraße 5, 10115 Berlin.'], { history: ['Könnten Sie uns bitte Ihre Bestellnummer schicken?', 'Und an welche Adresse sollen wir liefern?'], signature: ['Anna Schmidt'] }),
		hard('from-in-text', 'en', 'plain', 'the customer writes "From:" and "To:" lines (a shipping route), then a real Outlook header follows', ['Hi,', '', 'please quote a pallet transport:', 'From: Hamburg port', 'To: Munich, Leopoldstraße 12', 'Weight: 480 kg', '', 'Thanks,', 'Tom', '', 'From: Bob Weber <support@shop.example>', 'Sent: Thursday, December 3, 2026 9:02 AM', 'To: Tom Baker <tom.baker@customer-ltd.example>', 'Subject: RE: Transport', '', ...older.lines].join('\n'), ['Hi,', 'please quote a pallet transport:', 'From: Hamburg port', 'To: Munich, Leopoldstraße 12', 'Weight: 480 kg'], { history: distinctive([older], new Set()), signature: ['Tom'] }),
		hard('from-sentence', 'en', 'plain', 'a sentence that starts with "From:"', 'Hello,\n\nFrom: what I can see in my account, the refund of 49 EUR never arrived.\nCan you check?\n\nRegards,\nTom Baker', ['Hello,', 'From: what I can see in my account, the refund of 49 EUR never arrived.', 'Can you check?'], { signature: ['Tom Baker'] }),
		hard('no-history', 'de', 'plain', 'a first message: nothing to cut but the signature', 'Guten Tag,\n\nich möchte mein Abo zum Monatsende kündigen.\nBitte bestätigen Sie mir die Kündigung schriftlich.\n\nMit freundlichen Grüßen\nAnna Schmidt\nKunde GmbH', ['Guten Tag,', 'ich möchte mein Abo zum Monatsende kündigen.', 'Bitte bestätigen Sie mir die Kündigung schriftlich.'], { signature: ['Anna Schmidt', 'Kunde GmbH'] }),
		hard('no-history-html', 'fr', 'html', 'a first message in HTML, no signature', '<div dir="ltr"><div>Bonjour,</div><div><br></div><div>Je n&#39;arrive pas à télécharger ma facture de novembre.</div><div>Le bouton &laquo;&nbsp;Télécharger&nbsp;&raquo; ne fait rien.</div></div>', ['Bonjour,', "Je n'arrive pas à télécharger ma facture de novembre.", 'Le bouton « Télécharger » ne fait rien.']),
		hard('only-forward', 'en', 'plain', 'the customer forwards a mail without writing anything', ['---------- Forwarded message ---------', 'From: Carrier Notifications <noreply@carrier.example>', 'Date: Thu, Dec 3, 2026 at 6:40 PM', 'Subject: Delivery failed', 'To: <tom.baker@customer-ltd.example>', '', 'We could not deliver your parcel 00340434161094042557.', 'It is waiting for you at the depot in Leeds until December 10.'].join('\n'), ['We could not deliver your parcel 00340434161094042557.', 'It is waiting for you at the depot in Leeds until December 10.']),
		hard('only-forward-html', 'nl', 'html', 'Outlook on the web forward with nothing above it', '<html><body><div><br></div><div id="appendonsend"></div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri"><b>Van:</b> Vervoerder &lt;noreply@carrier.example&gt;<br><b>Verzonden:</b> donderdag 3 december 2026 18:40<br><b>Aan:</b> Sanne de Vries<br><b>Onderwerp:</b> Bezorging mislukt</font><div>&nbsp;</div></div><div><div>Wij konden uw pakket niet bezorgen.</div><div>Het ligt tot 10 december klaar in het depot in Utrecht.</div></div></body></html>', ['Wij konden uw pakket niet bezorgen.', 'Het ligt tot 10 december klaar in het depot in Utrecht.']),
		hard('thanks-then-content', 'en', 'plain', '"Thanks," followed by the actual complaint, then a real sign-off', 'Hi,\n\nThanks,\nbut the refund you promised three weeks ago has still not arrived on my card and I am running out of patience.\n\nBest,\nTom', ['Hi,', 'Thanks,', 'but the refund you promised three weeks ago has still not arrived on my card and I am running out of patience.'], { signature: ['Tom'] }),
		hard('regards-question', 'en', 'plain', 'a sign-off followed by a question (a P.S. in all but name)', 'Hello,\n\nthe export to CSV is empty since Monday.\n\nRegards,\nCould you also tell me whether the API has the same problem?', ['Hello,', 'the export to CSV is empty since Monday.', 'Could you also tell me whether the API has the same problem?']),
		hard('ps-after-signature', 'es', 'plain', 'a P.S. below the signature', 'Hola,\n\nnecesito cambiar la dirección de envío del pedido 48213.\n\nSaludos,\nLucía\n\nP.D. La nueva dirección es Calle Mayor 10, Madrid.', ['Hola,', 'necesito cambiar la dirección de envío del pedido 48213.', 'P.D. La nueva dirección es Calle Mayor 10, Madrid.'], { signature: ['Lucía'] }),
		hard('wrote-in-text', 'en', 'plain', 'a sentence ending in "wrote:" that is not an attribution', 'Hi,\n\nOn Monday your colleague wrote:\n"the parcel leaves the warehouse today"\nbut the tracking page still shows nothing.\n\nThanks,\nTom', ['Hi,', 'On Monday your colleague wrote:', '"the parcel leaves the warehouse today"', 'but the tracking page still shows nothing.'], { signature: ['Tom'] }),
		hard('mojibake', 'de', 'plain', 'UTF-8 read as Windows-1252 in part of the text, zero-width characters inside words', 'Hallo,\n\ndie RÃ¼cksendung fÃ¼r Bestellung 48213 ist noch nicht gutgeschrieben (â‚¬ 89,90).\nBitte prü\u200Bfen Sie das.\n\nViele GrÃ¼ÃŸe\nAnna', ['Hallo,', 'die Rücksendung für Bestellung 48213 ist noch nicht gutgeschrieben (€ 89,90).', 'Bitte prüfen Sie das.'], { signature: ['Anna'] }),
		hard('unknown-language-attribution', 'en', 'plain', 'a Polish client: the attribution is in no language file, the ">" lines still mark the history', 'Hi,\n\nplease send the invoice again as PDF.\n\nW dniu 3.12.2026 o 09:02, Bob Weber <support@shop.example> napisał:\n> Dear Tom,\n> here is your invoice.\n> Kind regards', ['Hi,', 'please send the invoice again as PDF.'], { history: ['here is your invoice.'] }),
		hard('english-ui-german-text', 'de', 'plain', 'German text from an Outlook with English labels, a German disclaimer glued to the signature', ['Hallo,', '', 'die Lieferung 48213 ist unvollständig, es fehlen zwei Stuhlbeine.', '', 'Gruß', 'Max Müller', 'Diese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht der richtige Adressat sind, löschen Sie diese Mail.', '', 'From: Bob Weber <support@shop.example>', 'Sent: Thursday, December 3, 2026 9:02 AM', 'To: Max Müller', 'Subject: RE: Lieferung', '', ...agentMessage(PACKS.de, CUSTOMERS[0], 3, 'Lieferung', 1).lines].join('\n'), ['Hallo,', 'die Lieferung 48213 ist unvollständig, es fehlen zwei Stuhlbeine.'], { history: distinctive([agentMessage(PACKS.de, CUSTOMERS[0], 3, 'Lieferung', 1)], new Set()), signature: ['Max Müller'], disclaimer: ['Diese E-Mail enthält vertrauliche Informationen.'] }),
	];
}

/** The measured corpus: `count` generated e-mails (every client × language × format at least once), the hard cases and the client variants. */
export function emailCorpus(count = CLIENTS.length * LANGUAGES.length * 2 * 2): EmailCase[] {
	return [...Array.from({ length: count }, (_, i) => generateEmail(i)), ...hardCases(), ...variantCases()];
}
