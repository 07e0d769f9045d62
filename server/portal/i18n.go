package portal

import (
	"net/http"

	"golang.org/x/text/language"
)

// This file is the portal's one message catalogue: every string a page
// shows, in English and Estonian. A test checks that both languages have
// the same keys and that every key the templates use is here.

// languages are the catalogue's languages, the first the default.
var languages = []language.Tag{language.English, language.Estonian}

var matcher = language.NewMatcher(languages)

// pageLanguage picks the page language: ?lang=, then the language cookie, then
// Accept-Language.
func pageLanguage(r *http.Request) string {
	if q := r.URL.Query().Get("lang"); catalogue[q] != nil {
		return q
	}
	if c, err := r.Cookie(langCookie); err == nil && catalogue[c.Value] != nil {
		return c.Value
	}
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	_, i, _ := matcher.Match(tags...)
	base, _ := languages[i].Base()
	return base.String()
}

// catalogue is every message, by language and key.
var catalogue = map[string]map[string]string{
	"en": {
		"app.title": "varamu patient portal", "app.loggedin": "Logged in:", "app.logout": "Log out",
		"whose.showing": "You are looking at the data of", "whose.until": "until", "whose.switch": "Switch to:",
		"relation.self": "yourself", "relation.child": "your child under 18", "relation.authorised": "authorised you",
		"relation.other": "another person", "relation.parent": "parent",
		"tab.genome": "My genome and medicines", "tab.records": "My records", "tab.looked": "Who looked at my data", "tab.choices": "My choices",
		"login.title": "Log in", "login.intro": "Log in with your ID-card, Mobile-ID or Smart-ID to see your health data, your children's and that of people who authorised you.",
		"login.button": "Log in", "continue.title": "You are logged in", "continue.button": "Continue",
		"home.title": "Whose data?", "home.intro": "Choose whose data to see. Every view is recorded in that person's access log, with you as the one who looked.",
		"error.back": "Back to the portal", "error.idp": "The login service could not be reached. Try again later.",
		"error.login": "The login did not succeed. Please log in again.", "error.csrf": "The form was refused: it did not come from this portal page. Reload the page and try again.",
		"error.internal": "Something went wrong and nothing was shown. Try again later.", "error.denied": "You may not see this person's data. The attempt was recorded.",
		"error.cannotchange": "Only the person, or a parent while the person is under 18, may change these choices.",
		"error.choice":       "The choice could not be read. Nothing was changed.",
		"genome.title":       "My genome and medicines", "genome.none": "There are no pharmacogenomic results for this person.",
		"genome.intro":   "How genes affect medicines, from the biobank genotype. These are the same recommendations a doctor sees when prescribing.",
		"genome.version": "rules version", "genome.genes": "Genes", "genome.gene": "Gene", "genome.result": "Result",
		"genome.sure": "How sure", "genome.missing": "What was missing", "genome.nophenotype": "no known effect recorded",
		"genome.notcalled": "could not be determined", "genome.missingpos": "Not tested at:", "genome.nothingmissing": "Nothing missing",
		"genome.drugs": "Medicines and what a doctor would do", "genome.drugsintro": "A result never means you should stop or change a medicine yourself: talk to your doctor.",
		"genome.drug": "Medicine", "genome.what": "What a doctor would do", "genome.advice": "Advice", "genome.guideline": "Guideline",
		"genome.prescriptions": "Current prescriptions", "genome.noprescriptions": "No current prescriptions.",
		"genome.since": "Prescribed", "genome.alert": "Drug–gene alert", "genome.noalert": "No alert",
		"sure.unknown": "Unknown: the result could not be read, which is not the same as normal", "sure.uncertain": "Uncertain: more than one reading is possible",
		"sure.certain": "Determined", "sure.confidence": "confidence", "sure.outside": "(from an outside laboratory)",
		"action.standard": "use as usual", "action.reduce-dose": "reduce the dose", "action.increase-dose": "increase the dose",
		"action.avoid": "avoid this medicine", "action.alternative-preferred": "prefer another medicine", "action.consider-alternative": "consider another medicine",
		"action.monitor": "monitor closely", "action.test": "test further", "action.use-algorithm": "dose with a calculator",
		"action.no-recommendation": "no change because of genes", "action.no-genotype-recommendation": "genes unknown: no gene-based advice",
		"records.title": "My records", "records.documents": "Documents", "records.nodocuments": "No documents.",
		"records.date": "Date", "records.document": "Document", "records.status": "Status", "records.closed": "closed to professionals",
		"records.appointments": "Upcoming appointments", "records.noappointments": "No upcoming appointments.",
		"records.when": "When", "records.with": "With", "records.cancel": "Cancel", "records.saved": "Done.",
		"records.messages": "Messages to your doctors", "records.to": "To", "records.message": "Message", "records.send": "Send",
		"error.noappointment": "There is no such upcoming appointment.", "error.message": "A message must have text (at most 4000 characters).",
		"error.recipient":      "A message can go only to a practitioner who treated the person.",
		"records.observations": "Test results and measurements", "records.noobservations": "No observations.", "records.what": "What", "records.value": "Value",
		"looked.title": "Who looked at my data", "looked.intro": "Every access to this person's data, from the audit log. A proof is shown as verified only when it checks against the log's signed checkpoint.",
		"looked.emergency": "Emergency accesses", "looked.all": "All accesses", "looked.none": "Nobody has looked yet.",
		"looked.when": "When", "looked.who": "Who", "looked.role": "Role", "looked.purpose": "Purpose", "looked.answer": "Answer", "looked.proof": "Proof",
		"looked.allowed": "allowed", "looked.denied": "denied", "looked.verified": "verified", "looked.notverified": "not verified",
		"role.professional": "health professional", "role.patient": "person", "role.researcher": "researcher", "role.batch": "system job",
		"role.steward": "data steward", "role.unauthenticated": "unverified caller", "role.": "–",
		"purpose.treatment": "treatment", "purpose.emergency": "emergency", "purpose.self": "own data", "purpose.representative": "as representative",
		"purpose.research": "research", "purpose.return-of-results": "return of results", "purpose.secondary-findings": "secondary findings",
		"purpose.care-genotypes": "genotypes for care", "purpose.stewardship": "data stewardship", "purpose.": "–",
		"choices.title": "My choices", "choices.saved": "Your choice was saved and holds from now on.",
		"choices.readonly": "You may see these choices but only the person (or a parent while they are under 18) may change them.",
		"choices.record":   "Health record", "choices.recordopen": "Your record is open to the professionals who treat you.",
		"choices.recordclosed": "Your record is closed: professionals see it only in an emergency, and you are told.",
		"choices.openrecord":   "Open my record", "choices.closerecord": "Close my whole record", "choices.documents": "Single documents",
		"choices.visible": "visible to professionals", "choices.open": "Open", "choices.close": "Close",
		"choices.research": "Research", "choices.withdrawn": "You withdrew from the biobank on", "choices.researchgiven": "You allow research since",
		"choices.noresearch": "You have not allowed research.", "choices.limits": "Limits on the research:",
		"choices.giveresearch": "Allow research on these terms", "choices.withdraw": "Withdraw from the biobank",
		"choices.results": "Results", "choices.ror": "Return of my gene–medicine results", "choices.sf": "Secondary findings",
		"choices.roryes": "I want my gene–medicine results", "choices.rorno": "I do not want my gene–medicine results",
		"choices.sfyes": "I want to be told of secondary findings", "choices.sfno": "I do not want to be told of secondary findings",
		"choices.whocansee": "Who else may see my data", "choices.authorised": "authorised", "choices.untilrevoked": "until revoked",
		"choices.revoke": "Revoke", "choices.nobody": "Nobody.", "choices.agent": "Personal code of the person",
		"choices.until": "Until (optional)", "choices.authorise": "Authorise",
		"duo.GRU": "any research", "duo.HMB": "health and medical research", "duo.DS": "research on named diseases only",
		"duo.POA": "population and ancestry research only", "duo.NRES": "no restrictions",
		"duo.NCU": "not for commercial use", "duo.NPU": "only by not-for-profit organisations", "duo.NPUNCU": "not-for-profit and non-commercial only",
		"duo.NMDS": "no research on methods alone", "duo.GSO": "genetic studies only", "duo.IRB": "only with ethics approval",
		"duo.PUB": "results must be published", "duo.NPOA": "no population or ancestry research",
		"yes": "yes", "no": "no",
	},
	"et": {
		"app.title": "varamu patsiendiportaal", "app.loggedin": "Sisse logitud:", "app.logout": "Logi välja",
		"whose.showing": "Vaatate andmeid:", "whose.until": "kuni", "whose.switch": "Vaheta:",
		"relation.self": "teie ise", "relation.child": "teie alaealine laps", "relation.authorised": "volitas teid",
		"relation.other": "teine inimene", "relation.parent": "vanem",
		"tab.genome": "Minu geenid ja ravimid", "tab.records": "Minu terviseandmed", "tab.looked": "Kes minu andmeid vaatas", "tab.choices": "Minu valikud",
		"login.title": "Sisselogimine", "login.intro": "Logige sisse ID-kaardi, Mobiil-ID või Smart-ID-ga, et näha oma, oma laste ja teid volitanud inimeste terviseandmeid.",
		"login.button": "Logi sisse", "continue.title": "Olete sisse logitud", "continue.button": "Jätka",
		"home.title": "Kelle andmed?", "home.intro": "Valige, kelle andmeid vaadata. Iga vaatamine jääb selle inimese andmejälgi, vaatajana teie.",
		"error.back": "Tagasi portaali", "error.idp": "Autentimisteenusega ei saadud ühendust. Proovige hiljem uuesti.",
		"error.login": "Sisselogimine ei õnnestunud. Palun logige uuesti sisse.", "error.csrf": "Vorm lükati tagasi: see ei tulnud selle portaali lehelt. Laadige leht uuesti ja proovige veel.",
		"error.internal": "Midagi läks valesti ja midagi ei näidatud. Proovige hiljem uuesti.", "error.denied": "Teil ei ole õigust selle inimese andmeid näha. Katse salvestati.",
		"error.cannotchange": "Neid valikuid saab muuta ainult inimene ise või vanem, kuni inimene on alaealine.",
		"error.choice":       "Valikut ei õnnestunud lugeda. Midagi ei muudetud.",
		"genome.title":       "Minu geenid ja ravimid", "genome.none": "Selle inimese kohta farmakogenoomika tulemusi ei ole.",
		"genome.intro":   "Kuidas geenid ravimitele mõjuvad, biopanga genotüübi põhjal. Need on samad soovitused, mida arst ravimit määrates näeb.",
		"genome.version": "reeglite versioon", "genome.genes": "Geenid", "genome.gene": "Geen", "genome.result": "Tulemus",
		"genome.sure": "Kui kindel", "genome.missing": "Mis puudus", "genome.nophenotype": "teadaolevat mõju ei ole märgitud",
		"genome.notcalled": "ei õnnestunud määrata", "genome.missingpos": "Testimata kohad:", "genome.nothingmissing": "Midagi ei puudunud",
		"genome.drugs": "Ravimid ja mida arst teeks", "genome.drugsintro": "Tulemuse põhjal ei tohi ravimit ise lõpetada ega muuta: rääkige oma arstiga.",
		"genome.drug": "Ravim", "genome.what": "Mida arst teeks", "genome.advice": "Soovitus", "genome.guideline": "Juhend",
		"genome.prescriptions": "Kehtivad retseptid", "genome.noprescriptions": "Kehtivaid retsepte ei ole.",
		"genome.since": "Välja kirjutatud", "genome.alert": "Ravimi ja geeni hoiatus", "genome.noalert": "Hoiatust ei ole",
		"sure.unknown": "Teadmata: tulemust ei õnnestunud lugeda, see ei tähenda normaalset", "sure.uncertain": "Ebakindel: võimalik on mitu tõlgendust",
		"sure.certain": "Määratud", "sure.confidence": "kindlus", "sure.outside": "(välisest laborist)",
		"action.standard": "kasutada tavapäraselt", "action.reduce-dose": "vähendada annust", "action.increase-dose": "suurendada annust",
		"action.avoid": "vältida seda ravimit", "action.alternative-preferred": "eelistada teist ravimit", "action.consider-alternative": "kaaluda teist ravimit",
		"action.monitor": "jälgida hoolikalt", "action.test": "teha lisauuringuid", "action.use-algorithm": "annustada kalkulaatoriga",
		"action.no-recommendation": "geenide tõttu muutust ei ole", "action.no-genotype-recommendation": "geenid teadmata: geenipõhist soovitust ei ole",
		"records.title": "Minu terviseandmed", "records.documents": "Dokumendid", "records.nodocuments": "Dokumente ei ole.",
		"records.date": "Kuupäev", "records.document": "Dokument", "records.status": "Olek", "records.closed": "tervishoiutöötajatele suletud",
		"records.appointments": "Tulevased vastuvõtud", "records.noappointments": "Tulevasi vastuvõtte ei ole.",
		"records.when": "Millal", "records.with": "Kellega", "records.cancel": "Tühista", "records.saved": "Tehtud.",
		"records.messages": "Sõnumid arstidele", "records.to": "Kellele", "records.message": "Sõnum", "records.send": "Saada",
		"error.noappointment": "Sellist tulevast vastuvõttu ei ole.", "error.message": "Sõnumil peab olema tekst (kuni 4000 märki).",
		"error.recipient":      "Sõnumi saab saata ainult tervishoiutöötajale, kes on inimest ravinud.",
		"records.observations": "Analüüsid ja mõõtmised", "records.noobservations": "Vaatlusi ei ole.", "records.what": "Mis", "records.value": "Väärtus",
		"looked.title": "Kes minu andmeid vaatas", "looked.intro": "Iga pöördumine selle inimese andmete poole auditilogist. Tõend on kinnitatud ainult siis, kui see klapib logi allkirjastatud kontrollpunktiga.",
		"looked.emergency": "Erakorralised pöördumised", "looked.all": "Kõik pöördumised", "looked.none": "Keegi ei ole veel vaadanud.",
		"looked.when": "Millal", "looked.who": "Kes", "looked.role": "Roll", "looked.purpose": "Eesmärk", "looked.answer": "Vastus", "looked.proof": "Tõend",
		"looked.allowed": "lubatud", "looked.denied": "keelatud", "looked.verified": "kinnitatud", "looked.notverified": "kinnitamata",
		"role.professional": "tervishoiutöötaja", "role.patient": "inimene", "role.researcher": "teadlane", "role.batch": "süsteemitöö",
		"role.steward": "andmehaldur", "role.unauthenticated": "tuvastamata pöörduja", "role.": "–",
		"purpose.treatment": "ravi", "purpose.emergency": "erakorraline", "purpose.self": "oma andmed", "purpose.representative": "esindajana",
		"purpose.research": "teadustöö", "purpose.return-of-results": "tulemuste tagastamine", "purpose.secondary-findings": "juhuleiud",
		"purpose.care-genotypes": "genotüübid raviks", "purpose.stewardship": "andmehaldus", "purpose.": "–",
		"choices.title": "Minu valikud", "choices.saved": "Teie valik salvestati ja kehtib nüüdsest.",
		"choices.readonly": "Te näete neid valikuid, kuid muuta saab neid ainult inimene ise (või vanem, kuni ta on alaealine).",
		"choices.record":   "Terviselugu", "choices.recordopen": "Teie terviselugu on avatud teid ravivatele tervishoiutöötajatele.",
		"choices.recordclosed": "Teie terviselugu on suletud: tervishoiutöötajad näevad seda ainult erakorralisel juhul ja teid teavitatakse.",
		"choices.openrecord":   "Ava minu terviselugu", "choices.closerecord": "Sulge kogu minu terviselugu", "choices.documents": "Üksikud dokumendid",
		"choices.visible": "tervishoiutöötajatele nähtav", "choices.open": "Ava", "choices.close": "Sulge",
		"choices.research": "Teadustöö", "choices.withdrawn": "Te loobusite biopangast", "choices.researchgiven": "Lubate teadustööd alates",
		"choices.noresearch": "Te ei ole teadustööd lubanud.", "choices.limits": "Teadustöö piirangud:",
		"choices.giveresearch": "Luban teadustööd neil tingimustel", "choices.withdraw": "Loobun biopangast",
		"choices.results": "Tulemused", "choices.ror": "Minu geeni ja ravimi tulemuste tagastamine", "choices.sf": "Juhuleiud",
		"choices.roryes": "Soovin oma geeni ja ravimi tulemusi", "choices.rorno": "Ei soovi oma geeni ja ravimi tulemusi",
		"choices.sfyes": "Soovin teada juhuleidudest", "choices.sfno": "Ei soovi teada juhuleidudest",
		"choices.whocansee": "Kes veel võivad minu andmeid näha", "choices.authorised": "volitatud", "choices.untilrevoked": "kuni tagasivõtmiseni",
		"choices.revoke": "Võta tagasi", "choices.nobody": "Mitte keegi.", "choices.agent": "Inimese isikukood",
		"choices.until": "Kuni (valikuline)", "choices.authorise": "Volita",
		"duo.GRU": "igasugune teadustöö", "duo.HMB": "tervise- ja meditsiiniuuringud", "duo.DS": "ainult nimetatud haiguste uuringud",
		"duo.POA": "ainult rahvastiku ja päritolu uuringud", "duo.NRES": "piiranguteta",
		"duo.NCU": "mitte äriliseks kasutuseks", "duo.NPU": "ainult mittetulunduslikele organisatsioonidele", "duo.NPUNCU": "ainult mittetulunduslik ja mitteäriline",
		"duo.NMDS": "mitte ainult meetodite arendamiseks", "duo.GSO": "ainult geneetilised uuringud", "duo.IRB": "ainult eetikakomitee loaga",
		"duo.PUB": "tulemused tuleb avaldada", "duo.NPOA": "mitte rahvastiku ega päritolu uuringuteks",
		"yes": "jah", "no": "ei",
	},
}
