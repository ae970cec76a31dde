#!/usr/bin/env python3
"""Generates the charset corpus: pages in ~40 legacy charsets, each in three
variants, encoded at run time from the UTF-8 text below with glibc iconv (the
same converters afetch decodes with), so no binary page is stored.

Usage: mkcharsets.py BASE_URL OUTDIR [--pages]

Writes OUTDIR/urls.txt (one afserve /raw URL per page, the page bytes in the
query) and OUTDIR/expect.tsv (line number, variant, label, expected title, in
the same order). With --pages it also writes each page to
OUTDIR/pages/VARIANT.LABEL.html, for measuring detectors outside afetch.

Variants:
  header  the charset is in Content-Type only ("text/html; charset=LABEL")
  none    Content-Type is "text/html"; the page declares nothing
  xml     Content-Type is "text/html"; only an XML declaration names it
"""
import os
import subprocess
import sys
import urllib.parse

# (label the page declares, iconv name it is encoded with, language, title,
# body sentences). Labels are spelled as servers send them; several are
# outside the WHATWG table (CP932, CP949, IBM855, MacCyrillic) on purpose.
PAGES = [
    ("Big5", "BIG5", "zh-TW", "台北市政府新聞稿：捷運新線明年通車",
     "臺北市政府今天宣布，捷運環狀線第二階段工程已經進入最後測試階段。"
     "市長表示，新路線通車以後，從北投到新店的旅客可以節省大約二十分鐘。"
     "交通局也提醒民眾，試營運期間部分車站的出口仍在施工，請多利用公車轉乘。"
     "相關資訊將陸續公布在市政府網站上，歡迎市民隨時查詢。"),
    ("GB18030", "GB18030", "zh-CN", "北京天气预报：明天有小雨，气温下降",
     "据北京市气象台消息，受冷空气影响，明天白天本市将出现小雨天气。"
     "最高气温预计只有十五度，比今天低五度左右，早晚温差较大。"
     "专家建议市民出门时携带雨具，并注意添加衣物，预防感冒。"
     "周末天气将逐渐好转，适合外出游玩和户外运动。"),
    ("GBK", "GBK", "zh-CN", "中国大学招生信息网 - 专业介绍",
     "计算机科学与技术专业培养具有扎实理论基础和实践能力的高级人才。"
     "学生在四年学习期间将系统学习数据结构、操作系统、计算机网络等核心课程。"
     "毕业生可以在软件企业、科研院所和政府机关从事开发与管理工作。"
     "报名时间为每年六月，详细要求请参阅招生简章。"),
    ("GB2312", "GB2312", "zh-CN", "上海美食推荐：十家值得一去的老字号",
     "上海的小笼包、生煎馒头和葱油拌面深受游客喜爱。"
     "这些老字号饭店大多开在弄堂里，门面不大，但是每天都排着长队。"
     "我们走访了城里几十家店铺，挑选出味道最正宗、价格最实惠的十家。"
     "如果你第一次来上海，不妨按照这份名单慢慢品尝。"),
    ("EUC-JP", "EUC-JP", "ja", "東京の桜が満開に　週末は花見客で混雑",
     "気象庁によると、東京都心の桜は今日、満開になりました。"
     "上野公園や千鳥ヶ淵には朝早くから多くの人が集まり、写真を撮ったり、"
     "お弁当を食べたりして春の一日を楽しんでいました。"
     "週末は天気が良いと予想されているため、さらに混雑する見込みです。"),
    ("Shift_JIS", "SHIFT_JIS", "ja", "大阪のおすすめ観光スポット　食べ歩きガイド",
     "大阪は「天下の台所」と呼ばれ、昔から食の町として知られています。"
     "道頓堀ではたこ焼きやお好み焼き、串カツなどを手軽に味わうことができます。"
     "夜になると、ネオンが川面に映ってとてもきれいです。"
     "通天閣や大阪城にも足を延ばしてみてはいかがでしょうか。"),
    ("CP932", "CP932", "ja", "第①回　地域防災訓練のお知らせ",
     "来月の第一日曜日に、町内会の防災訓練を行います。"
     "当日は午前九時に小学校の校庭に集合してください。"
     "消火器の使い方や応急手当の方法について、消防署の方が説明してくださいます。"
     "雨天の場合は体育館で実施しますので、動きやすい服装でご参加ください。"),
    ("EUC-KR", "EUC-KR", "ko", "서울시, 내년부터 공공자전거 요금 인하",
     "서울시는 내년 일월부터 공공자전거 이용 요금을 낮춘다고 밝혔다. "
     "한 시간 이용권은 천 원에서 팔백 원으로, 정기권도 함께 인하된다. "
     "시 관계자는 시민들이 자동차 대신 자전거를 더 많이 이용하기를 바란다고 말했다. "
     "자세한 내용은 시청 누리집에서 확인할 수 있다."),
    ("CP949", "CP949", "ko", "똠양꿍 맛집 탐방기 - 우리 동네 음식 이야기",
     "지난 주말에 친구와 함께 새로 생긴 태국 음식점에 다녀왔다. "
     "이 집의 똠양꿍은 새콤하고 매콤한 맛이 잘 어우러져서 정말 맛있었다. "
     "가격도 적당하고 직원들도 친절해서 다음에 또 가고 싶다. "
     "주차 공간이 부족하니 대중교통을 이용하는 것이 좋겠다."),
    ("KOI8-R", "KOI8-R", "ru", "Новости Москвы: в центре откроют новый парк",
     "Мэрия Москвы сообщила, что весной в центре города откроется новый парк. "
     "На его территории высадят более тысячи деревьев и построят детские площадки. "
     "Жители района давно просили власти благоустроить этот пустырь. "
     "Работы планируется завершить к началу лета."),
    ("KOI8-U", "KOI8-U", "uk", "Київ: у неділю відбудеться щорічний ярмарок",
     "У неділю на Контрактовій площі відбудеться традиційний весняний ярмарок. "
     "Майстри з усієї України привезуть вишиванки, кераміку та вироби з дерева. "
     "Для дітей підготували ігри, а для дорослих ґрунтовну програму концертів. "
     "Вхід вільний, початок о десятій годині ранку."),
    ("IBM855", "IBM855", "ru", "Прогноз погоды на неделю для Санкт-Петербурга",
     "В ближайшие дни в Петербурге будет облачно, возможен небольшой дождь. "
     "Температура днём составит около десяти градусов тепла, ночью до трёх. "
     "Синоптики советуют не забывать зонт и тёплую куртку. "
     "К выходным ожидается потепление и прояснение."),
    ("IBM866", "IBM866", "ru", "Библиотека программиста: книги о языке Си",
     "В этом разделе собраны лучшие книги для тех, кто изучает язык программирования Си. "
     "Здесь вы найдёте как учебники для начинающих, так и справочники для опытных разработчиков. "
     "Каждая книга снабжена кратким описанием и отзывами читателей. "
     "Список регулярно пополняется новыми изданиями."),
    ("MacCyrillic", "MAC-CYRILLIC", "bg", "София: нова линия на метрото",
     "Столичната община обяви, че третата линия на метрото ще бъде открита през есента. "
     "Новите станции ще свържат центъра на града с южните квартали. "
     "Според кмета пътуването ще стане по-бързо и по-удобно за хиляди граждани. "
     "Строителството продължи повече от четири години."),
    ("x-mac-cyrillic", "MAC-CYRILLIC", "ru", "Рецепт дня: борщ с пампушками",
     "Для приготовления настоящего борща понадобятся свёкла, капуста, морковь и картофель. "
     "Сначала сварите крепкий мясной бульон, затем добавьте нарезанные овощи. "
     "Подавайте борщ со сметаной и чесночными пампушками. "
     "Приятного аппетита!"),
    ("windows-1250", "WINDOWS-1250", "pl", "Wiadomości z Krakowa: remont Rynku Głównego",
     "Władze miasta poinformowały, że w przyszłym miesiącu rozpocznie się remont płyty Rynku Głównego. "
     "Prace potrwają około pół roku, a turyści będą mogli korzystać z wyznaczonych przejść. "
     "Mieszkańcy obawiają się utrudnień, ale urzędnicy zapewniają, że kawiarnie pozostaną otwarte. "
     "Koszt inwestycji szacuje się na dwadzieścia milionów złotych."),
    ("windows-1251", "WINDOWS-1251", "ru", "Интернет-магазин книг: скидки на классику",
     "Только на этой неделе все книги русских классиков продаются со скидкой двадцать процентов. "
     "В каталоге вы найдёте произведения Толстого, Достоевского, Чехова и Пушкина. "
     "Доставка по всей России осуществляется в течение пяти дней. "
     "Оформить заказ можно круглосуточно."),
    ("windows-1252", "WINDOWS-1252", "de", "Stadtwerke München: Günstigere Tarife für Öko-Strom",
     "Die Stadtwerke München senken zum ersten Januar die Preise für Ökostrom. "
     "Ein durchschnittlicher Haushalt spart dadurch etwa fünfzig Euro im Jahr. "
     "Kunden müssen nichts unternehmen, die Änderung erfolgt automatisch. "
     "Weitere Informationen gibt es in den Kundenzentren und telefonisch."),
    ("windows-1253", "WINDOWS-1253", "el", "Αθήνα: Νέα έκθεση στο Μουσείο της Ακρόπολης",
     "Το Μουσείο της Ακρόπολης παρουσιάζει από σήμερα μια νέα περιοδική έκθεση. "
     "Οι επισκέπτες μπορούν να δουν αγάλματα και αγγεία που δεν έχουν εκτεθεί ποτέ στο παρελθόν. "
     "Η έκθεση θα διαρκέσει μέχρι το τέλος του καλοκαιριού. "
     "Η είσοδος για τους φοιτητές είναι δωρεάν."),
    ("windows-1254", "WINDOWS-1254", "tr", "İstanbul'da trafik düzenlemesi: Köprü yolları kapanıyor",
     "İstanbul Büyükşehir Belediyesi, hafta sonu boyunca köprü bağlantı yollarında bakım çalışması yapılacağını açıkladı. "
     "Sürücülerin alternatif güzergâhları kullanması ve toplu taşımayı tercih etmesi öneriliyor. "
     "Çalışmaların pazartesi sabahına kadar tamamlanması bekleniyor. "
     "Ayrıntılı bilgi belediyenin internet sitesinde yer alıyor."),
    ("windows-1255", "WINDOWS-1255", "he", "חדשות ירושלים: רכבת קלה חדשה בעיר",
     "עיריית ירושלים הודיעה היום כי הקו החדש של הרכבת הקלה ייפתח בחודש הבא. "
     "הקו יחבר את השכונות הדרומיות עם מרכז העיר והאוניברסיטה. "
     "תושבים רבים מחכים לפתיחה כבר שנים רבות. "
     "הנסיעה תהיה חינם בשבוע הראשון."),
    ("windows-1256", "WINDOWS-1256", "ar", "أخبار القاهرة: افتتاح متحف جديد للفنون",
     "أعلنت وزارة الثقافة عن افتتاح متحف جديد للفنون الحديثة في وسط القاهرة. "
     "يضم المتحف أكثر من ألف عمل فني لفنانين مصريين وعرب. "
     "وسيكون الدخول مجانيا للطلاب خلال الشهر الأول. "
     "ويأمل المسؤولون أن يجذب المتحف آلاف الزوار كل أسبوع."),
    ("windows-1257", "WINDOWS-1257", "lt", "Vilniaus naujienos: senamiestyje atidaryta nauja biblioteka",
     "Šią savaitę Vilniaus senamiestyje duris atvėrė nauja miesto biblioteka. "
     "Joje skaitytojai ras daugiau nei dvidešimt tūkstančių knygų ir žurnalų. "
     "Vaikams įrengtas atskiras kambarys su žaidimais ir kompiuteriais. "
     "Biblioteka dirbs kiekvieną dieną, išskyrus sekmadienius."),
    ("windows-1258", "WINDOWS-1258", "vi", "Tin tức Hà Nội: Khai trương tuyến xe buýt mới",
     "Sở Giao thông vận tải Hà Nội vừa đưa vào hoạt động tuyến xe buýt mới nối trung tâm với sân bay. "
     "Mỗi chuyến xe chạy cách nhau mười lăm phút, giá vé chỉ chín nghìn đồng. "
     "Người dân có thể mua vé trực tiếp trên xe hoặc qua ứng dụng điện thoại. "
     "Thành phố hy vọng tuyến xe sẽ giúp giảm ùn tắc giao thông."),
    ("ISO-8859-1", "ISO-8859-1", "fr", "Météo à Paris : un été très chaud prévu",
     "Selon Météo-France, la capitale connaîtra cet été des températures supérieures à la normale. "
     "Les autorités conseillent aux personnes âgées de boire beaucoup d'eau et de rester à l'ombre. "
     "Des salles climatisées seront ouvertes dans plusieurs mairies d'arrondissement. "
     "Les piscines municipales prolongeront leurs horaires jusqu'à vingt-deux heures."),
    ("ISO-8859-2", "ISO-8859-2", "cs", "Zprávy z Prahy: Nová tramvajová trať na Barrandov",
     "Dopravní podnik hlavního města Prahy oznámil, že nová tramvajová trať bude dokončena příští rok. "
     "Cestující se dostanou z centra na sídliště za necelých dvacet minut. "
     "Obyvatelé čtvrti si stěžují na hluk ze stavby, ale na novou linku se těší. "
     "Stavba stojí přibližně dvě miliardy korun."),
    ("ISO-8859-2", "ISO-8859-2", "hu", "Budapesti hírek: Felújítják a Lánchidat",
     "A főváros vezetése bejelentette, hogy jövő tavasszal megkezdődik a Lánchíd teljes felújítása. "
     "A munkálatok idején a hídon csak gyalogosok és kerékpárosok közlekedhetnek. "
     "A szakemberek szerint a régi szerkezet már nagyon rossz állapotban van. "
     "A felújítás várhatóan két évig tart."),
    ("ISO-8859-3", "ISO-8859-3", "eo", "Esperanto-kongreso: ĉiuj bonvenaj al la ĉefurbo",
     "La ĉi-jara Universala Kongreso de Esperanto okazos en la ĉefurbo dum la lasta semajno de julio. "
     "Partoprenantoj el pli ol sesdek landoj jam aliĝis kaj ĝuos koncertojn, prelegojn kaj ekskursojn. "
     "La organizantoj ŝatus ke ankaŭ junuloj venu, do ili proponas rabaton por studentoj. "
     "Aliĝiloj haveblas en la retejo de la asocio."),
    ("ISO-8859-4", "ISO-8859-4", "lv", "Rīgas ziņas: jauns tilts pār Daugavu",
     "Rīgas dome paziņoja, ka nākamgad sāksies jauna tilta būvniecība pār Daugavu. "
     "Tilts savienos Ķengaragu ar Zaķusalu un atvieglos satiksmi pilsētas centrā. "
     "Iedzīvotāji jau ilgi gaidījuši šo projektu, jo rīta sastrēgumi ir ļoti gari. "
     "Darbus plānots pabeigt trīs gadu laikā."),
    ("ISO-8859-5", "ISO-8859-5", "ru", "Новосибирск: открылась выставка современного искусства",
     "В Новосибирском художественном музее открылась выставка молодых сибирских художников. "
     "Посетители увидят более двухсот картин, скульптур и фотографий. "
     "Организаторы надеются, что выставка привлечёт внимание к талантливым авторам из регионов. "
     "Экспозиция будет работать до конца месяца."),
    ("ISO-8859-6", "ISO-8859-6", "ar", "الرياض: مهرجان الكتاب الدولي يفتح أبوابه",
     "افتتح اليوم معرض الرياض الدولي للكتاب بمشاركة مئات دور النشر من مختلف الدول العربية. "
     "ويستمر المعرض عشرة أيام ويضم ندوات وأمسيات شعرية ولقاءات مع الكتاب. "
     "وقال المنظمون إن عدد الزوار في العام الماضي تجاوز مليون زائر. "
     "ويفتح المعرض أبوابه من الصباح حتى العاشرة مساء."),
    ("ISO-8859-7", "ISO-8859-7", "el", "Θεσσαλονίκη: Ξεκινά το φεστιβάλ κινηματογράφου",
     "Το διεθνές φεστιβάλ κινηματογράφου της Θεσσαλονίκης ξεκινά την επόμενη εβδομάδα. "
     "Θα προβληθούν περισσότερες από εκατό ταινίες από όλο τον κόσμο. "
     "Οι σκηνοθέτες θα συναντήσουν το κοινό μετά από κάθε προβολή. "
     "Τα εισιτήρια πωλούνται ήδη στα ταμεία των κινηματογράφων."),
    ("ISO-8859-8", "ISO-8859-8", "he", "תל אביב: פסטיבל אוכל רחוב בנמל",
     "בסוף השבוע יתקיים בנמל תל אביב פסטיבל אוכל רחוב גדול. "
     "עשרות מסעדות ודוכנים יציעו מנות מכל רחבי העולם במחירים נוחים. "
     "לילדים תהיה פינת משחקים ומופעים מוזיקליים כל הערב. "
     "הכניסה לפסטיבל חופשית לכל המשפחה."),
    ("ISO-8859-9", "ISO-8859-9", "tr", "Ankara haberleri: Yeni metro hattı açıldı",
     "Ankara'da uzun süredir beklenen yeni metro hattı bugün düzenlenen törenle hizmete girdi. "
     "Hat, şehir merkezini üniversite kampüslerine ve hastanelere bağlıyor. "
     "Yolcular ilk hafta boyunca ücretsiz seyahat edebilecek. "
     "Belediye başkanı, gelecek yıl iki yeni hattın daha açılacağını söyledi."),
    ("ISO-8859-10", "ISO-8859-10", "no", "Nyheter fra Tromsø: Nordlyset lokker turister",
     "I vinter har rekordmange turister kommet til Tromsø for å se nordlyset. "
     "Hotellene er nesten fullbooket, og flere reiselivsbedrifter har ansatt ekstra guider. "
     "Forskere ved universitetet forteller at aktiviteten på solen er høy i år. "
     "De beste forholdene får man langt fra byens lys, på klare og kalde netter."),
    ("ISO-8859-11", "ISO-8859-11", "th", "ข่าวกรุงเทพ: เปิดสวนสาธารณะแห่งใหม่ริมแม่น้ำ",
     "กรุงเทพมหานครเปิดสวนสาธารณะแห่งใหม่ริมแม่น้ำเจ้าพระยาให้ประชาชนเข้าใช้บริการแล้ว "
     "ภายในสวนมีทางเดิน ทางจักรยาน และลานกิจกรรมสำหรับครอบครัว "
     "ผู้ว่าราชการกล่าวว่าจะสร้างสวนเพิ่มอีกหลายแห่งในปีหน้า "
     "สวนเปิดทุกวันตั้งแต่หกโมงเช้าถึงสามทุ่ม"),
    ("ISO-8859-13", "ISO-8859-13", "et", "Tallinna uudised: vanalinnas avati uus muuseum",
     "Tallinna vanalinnas avati sel nädalal uus muuseum, mis tutvustab linna keskaegset ajalugu. "
     "Külastajad saavad näha vanu tööriistu, rõivaid ja käsikirju. "
     "Muuseumi juhataja sõnul on eriti populaarne õpetlik mäng lastele. "
     "Pääsmed on soodsamad õpilastele ja pensionäridele."),
    ("ISO-8859-14", "ISO-8859-14", "cy", "Newyddion Caerdydd: Agor llyfrgell newydd yn y ddinas",
     "Mae llyfrgell newydd wedi agor yng nghanol Caerdydd yr wythnos hon. "
     "Mae'r adeilad yn cynnwys mwy na chan mil o lyfrau yn Gymraeg a Saesneg. "
     "Dywedodd y cyngor fod croeso i bawb ddod i weld yr ystafelloedd darllen a'r ŵyl lyfrau. "
     "Bydd y llyfrgell ar agor bob dydd o naw tan wyth."),
    ("ISO-8859-15", "ISO-8859-15", "fi", "Helsingin uutiset: Uusi raitiolinja valmistuu syksyllä",
     "Helsingin kaupunki kertoi, että uusi raitiovaunulinja valmistuu ensi syksynä. "
     "Linja yhdistää keskustan ja itäiset kaupunginosat, ja matka-aika lyhenee selvästi. "
     "Asukkaat ovat odottaneet hanketta pitkään, sillä bussit ovat ruuhka-aikaan täynnä. "
     "Hankkeen hinta on noin kolmesataa miljoonaa euroa."),
    ("ISO-8859-16", "ISO-8859-16", "ro", "Știri din București: Se redeschide Grădina Botanică",
     "Grădina Botanică din București se redeschide pentru public după o renovare care a durat doi ani. "
     "Vizitatorii vor putea admira sere noi și peste zece mii de specii de plante. "
     "Directorul grădinii a spus că biletele pentru elevi și pensionari vor fi gratuite în prima lună. "
     "Programul de vizitare este zilnic, între orele nouă și optsprezece."),
    ("TIS-620", "TIS-620", "th", "เชียงใหม่: เทศกาลดอกไม้ประจำปีเริ่มแล้ว",
     "เทศกาลไม้ดอกไม้ประดับเชียงใหม่ประจำปีเริ่มขึ้นแล้วในวันนี้ "
     "มีขบวนรถบุปผชาติที่ตกแต่งด้วยดอกไม้นานาชนิดเคลื่อนผ่านถนนสายหลักของเมือง "
     "นักท่องเที่ยวทั้งชาวไทยและชาวต่างชาติต่างมาถ่ายรูปกันอย่างคึกคัก "
     "งานจะจัดต่อเนื่องไปจนถึงวันอาทิตย์นี้"),
    ("windows-874", "CP874", "th", "ร้านอาหารไทยแนะนำ: ต้มยำกุ้งรสเด็ด",
     "ร้านอาหารเล็กๆ ในซอยนี้มีชื่อเสียงเรื่องต้มยำกุ้งน้ำข้นที่มีรสชาติเข้มข้น "
     "เจ้าของร้านใช้สูตรของคุณยายที่สืบทอดกันมาหลายสิบปี "
     "นอกจากนี้ยังมีผัดไทยและส้มตำที่อร่อยไม่แพ้กัน "
     "ร้านเปิดทุกวันตั้งแต่สิบโมงเช้าถึงสี่ทุ่ม"),
]


def page(variant, label, lang, title, text):
    """The page as UTF-8 text, before encoding."""
    paras = [s.strip() for s in text.replace("。", "。\n").replace(". ", ".\n")
             .replace("! ", "!\n").split("\n") if s.strip()]
    body = "\n".join("<p>%s</p>" % p for p in paras)
    if variant == "xml":
        head = ('<?xml version="1.0" encoding="%s"?>\n'
                '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
                '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
                '<html xmlns="http://www.w3.org/1999/xhtml" lang="%s">\n'
                % (label, lang))
    else:
        head = '<!DOCTYPE html>\n<html lang="%s">\n' % lang
    return (head +
            "<head>\n<title>%s</title>\n"
            '<link rel="stylesheet" type="text/css" href="/css/site.css" />\n'
            '<script type="text/javascript" src="/js/menu.js"></script>\n'
            "</head>\n<body>\n"
            '<div id="header"><a href="/">Home</a> | <a href="/news/">News</a>'
            ' | <a href="/contact.html">Contact</a></div>\n'
            '<div id="content">\n<h1>%s</h1>\n%s\n</div>\n'
            '<div id="footer">Copyright 2009</div>\n'
            "</body>\n</html>\n" % (title, title, body))


def encode(text, name):
    r = subprocess.run(["iconv", "-f", "UTF-8", "-t", name],
                       input=text.encode(), capture_output=True, check=False)
    if r.returncode != 0:
        sys.exit("mkcharsets: iconv -t %s: %s" % (name, r.stderr.decode()))
    return r.stdout


def main():
    args = [a for a in sys.argv[1:] if a != "--pages"]
    if len(args) != 2:
        sys.exit(__doc__)
    base, out = args
    pages_dir = os.path.join(out, "pages") if "--pages" in sys.argv else None
    os.makedirs(out, exist_ok=True)
    if pages_dir:
        os.makedirs(pages_dir, exist_ok=True)
    n = 0
    with open(os.path.join(out, "urls.txt"), "w") as urls, \
            open(os.path.join(out, "expect.tsv"), "w") as exp:
        for variant in ("header", "none", "xml"):
            for i, (label, name, lang, title, text) in enumerate(PAGES):
                raw = encode(page(variant, label, lang, title, text), name)
                ct = "text/html"
                if variant == "header":
                    ct += "; charset=" + label
                q = urllib.parse.urlencode({"ct": ct, "body": raw},
                                           quote_via=urllib.parse.quote)
                n += 1
                urls.write("%s/raw?%s\n" % (base, q))
                # afetch collapses white space, U+3000 included, as
                # str.split() does.
                exp.write("%d\t%s\t%s\t%s\n" % (n, variant, label,
                                                " ".join(title.split())))
                if pages_dir:
                    with open(os.path.join(pages_dir, "%s.%02d.%s.%s.html" % (
                            variant, i, label, lang)), "wb") as f:
                        f.write(raw)


if __name__ == "__main__":
    main()
