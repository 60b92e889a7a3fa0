"""The names depicted on trafficked cultural objects, in the languages officers write.

An onomasticon for the matcher: the saints, prophets and angels of icons and church
plate, the feasts and epithets icons are named after, the gods, heroes and creatures of
ancient sculpture and vases, the emperors and kings of coins, and the titles and figures
(bishop, prophet, warrior) that stand for a name. Each entry is the canonical name (in
English, lower case, one word) and its spellings in English, French, Spanish, Italian,
German, Russian and Greek, written as they are written: ``matching_text`` folds them to
Latin letters the same way it folds a seizure's text.

Only the name's base form is needed: inflections (Russian genitive ``Гермеса``, Greek
genitive ``Διονύσου`` or accusative ``Ερμή``) and transliteration variants (``y``/``i``,
``ph``/``f``, ``kh``/``h``, an initial ``h`` or Cyrillic ``г`` for it) are reached by
``matching_text.name_key``, which folds both sides alike.

Roman deities map to their Greek counterparts (a Roman bronze of Hercules is catalogued
as Herakles as often as not, Minerva as Athena): the matcher should tie them. Names
that are also common words in one of the languages (French *pierre*, stone; *mars*,
March) are read as names only after a title (``saint Pierre``, ``св. Петра``), see
``AFTER_TITLE``.

Nothing here is taken from a particular list or benchmark: it is general knowledge of
iconography and numismatics, to be extended as analysts meet names it lacks.
"""

#: canonical name -> its spellings, comma separated (any script, any case, accents kept).
NAMES: dict[str, str] = {
    # Christ, the Virgin and their epithets (``christ`` and ``virgin`` are glossary terms).
    "christ": "Jesus, Jésus, Jesús, Gesù, Christus, Christos, Cristo, Иисус, Ιησούς, Χριστός",
    "virgin": "Mary, Marie, María, Maria, Мария, Μαρία, Madonna, Notre-Dame, Богоматерь, "
    "Богородица, Θεοτόκος, Παναγία",
    "pantocrator": "Pantocrator, Pantokrator, Pantocrátor, Pantocratore, Пантократор, "
    "Вседержитель, Παντοκράτωρ, Παντοκράτορας",
    "hodegetria": "Hodegetria, Hodigitria, Odigitria, Одигитрия, Οδηγήτρια",
    "eleousa": "Eleousa, Eleusa, Элеуса, Умиление, Ελεούσα",
    "saviour": "Saviour, Savior, Sauveur, Salvador, Salvatore, Erlöser, Heiland, Спас, "
    "Спаситель, Σωτήρ, Σωτήρας",
    "trinity": "Trinity, Trinité, Trinidad, Trinità, Dreifaltigkeit, Троица, Τριάδα",
    "annunciation": "Annunciation, Annonciation, Anunciación, Annunciazione, "
    "Verkündigung, Благовещение, Ευαγγελισμός",
    "nativity": "Nativity, Nativité, Natividad, Natività, Рождество, Γέννηση",
    "crucifixion": "Crucifixion, Crucifixión, Crocifissione, Kreuzigung, Распятие, Σταύρωση",
    "resurrection": "Resurrection, Résurrection, Resurrección, Resurrezione, "
    "Auferstehung, Воскресение, Ανάσταση",
    "dormition": "Dormition, Dormición, Dormizione, Entschlafung, Успение, Κοίμηση",
    "transfiguration": "Transfiguration, Transfiguración, Trasfigurazione, Verklärung, "
    "Преображение, Μεταμόρφωση",
    "deesis": "Deesis, Déisis, Deisis, Деисус, Деисис, Δέηση",
    # Apostles, evangelists, prophets, angels.
    "john": "John, Jean, Juan, Giovanni, Johannes, Иоанн, Ιωάννης, Ioannis",
    "baptist": "Baptist, Baptiste, Bautista, Battista, Täufer, Предтеча, Креститель, "
    "Πρόδρομος, Βαπτιστής",
    "theologian": "Theologian, Théologien, Teólogo, Teologo, Богослов, Θεολόγος",
    "evangelist": "Evangelist, Évangéliste, Evangelista, Евангелист, Ευαγγελιστής",
    "peter": "Peter, Pierre, Pedro, Pietro, Petrus, Пётр, Петр, Πέτρος, Πέτρου",
    "paul": "Paul, Pablo, Paolo, Paulus, Павел, Παύλος",
    "andrew": "Andrew, André, Andrés, Andrea, Andreas, Андрей, Ανδρέας",
    "james": "James, Jacques, Santiago, Giacomo, Jakobus, Иаков, Ιάκωβος",
    "thomas": "Thomas, Tomás, Tommaso, Фома, Фомы, Θωμάς",
    "matthew": "Matthew, Matthieu, Mateo, Matteo, Matthäus, Матфей, Ματθαίος",
    "mark": "Mark, Marc, Marcos, Marco, Markus, Марк, Μάρκος",
    "luke": "Luke, Luc, Lucas, Luca, Lukas, Лука, Луки, Λουκάς",
    "philip": "Philip, Philippe, Felipe, Filippo, Philipp, Филипп, Φίλιππος",
    "bartholomew": "Bartholomew, Barthélemy, Bartolomé, Bartolomeo, Bartholomäus, "
    "Варфоломей, Βαρθολομαίος",
    "gabriel": "Gabriel, Gabriele, Гавриил, Γαβριήλ",
    "michael": "Michael, Michel, Miguel, Michele, Михаил, Μιχαήλ",
    "raphael": "Raphael, Raphaël, Rafael, Raffaele, Рафаил, Ραφαήλ",
    "elijah": "Elijah, Élie, Elías, Elia, Elias, Илия, Илии, Илья, Ильи, Ηλίας",
    "moses": "Moses, Moïse, Moisés, Mosè, Моисей, Μωυσής",
    "david": "David, Davide, Давид, Δαβίδ",
    "solomon": "Solomon, Salomon, Salomón, Salomone, Соломон, Σολομών",
    "daniel": "Daniel, Daniele, Даниил, Δανιήλ",
    "joseph": "Joseph, José, Giuseppe, Иосиф, Ιωσήφ",
    "joachim": "Joachim, Joaquín, Gioacchino, Иоаким, Ιωακείμ",
    "anne": "Anne, Ana, Anna, Анна, Анны, Άννα",
    "magdalene": "Magdalene, Madeleine, Magdalena, Maddalena, Магдалина, Μαγδαληνή",
    # Saints of icons and church plate.
    "nicholas": "Nicholas, Nicolas, Nicolás, Nicola, Nikolaus, Николай, Νικόλαος",
    "george": "George, Georges, Jorge, Giorgio, Georg, Георгий, Γεώργιος",
    "demetrius": "Demetrius, Démétrius, Demetrio, Demetrios, Dimitri, Димитрий, Дмитрий, Δημήτριος",
    "theodore": "Theodore, Théodore, Teodoro, Theodor, Феодор, Фёдор, Θεόδωρος",
    "basil": "Basil, Basile, Basilio, Basilius, Василий, Βασίλειος",
    "gregory": "Gregory, Grégoire, Gregorio, Gregor, Григорий, Γρηγόριος",
    "chrysostom": "Chrysostom, Chrysostome, Crisóstomo, Crisostomo, Chrysostomos, "
    "Златоуст, Χρυσόστομος",
    "athanasius": "Athanasius, Athanase, Atanasio, Афанасий, Αθανάσιος",
    "cyril": "Cyril, Cyrille, Cirilo, Cirillo, Kyrill, Кирилл, Κύριλλος",
    "methodius": "Methodius, Méthode, Metodio, Мефодий, Μεθόδιος",
    "spyridon": "Spyridon, Spiridon, Spiridione, Спиридон, Σπυρίδων",
    "panteleimon": "Panteleimon, Pantaleon, Pantaléon, Pantaleón, Pantaleone, "
    "Пантелеимон, Παντελεήμων",
    "sergius": "Sergius, Serge, Sergio, Сергий, Σέργιος",
    "seraphim": "Seraphim, Séraphin, Serafín, Serafino, Серафим, Σεραφείμ",
    "stephen": "Stephen, Étienne, Esteban, Stefano, Stephan, Стефан, Στέφανος",
    "lawrence": "Lawrence, Laurent, Lorenzo, Laurentius, Лаврентий, Λαυρέντιος",
    "sebastian": "Sebastian, Sébastien, Sebastián, Sebastiano, Себастьян, Σεβαστιανός",
    "christopher": "Christopher, Christophe, Cristóbal, Cristoforo, Christophorus, "
    "Христофор, Χριστόφορος",
    "anthony": "Anthony, Antoine, Antonio, Antonius, Антоний, Αντώνιος",
    "francis": "Francis, François, Francisco, Francesco, Franziskus, Франциск",
    "martin": "Martin, Martín, Martino, Мартин",
    "jerome": "Jerome, Jérôme, Jerónimo, Girolamo, Hieronymus, Иероним, Ιερώνυμος",
    "augustine": "Augustine, Augustin, Agustín, Agostino, Augustinus, Августин",
    "benedict": "Benedict, Benoît, Benito, Benedetto, Benedikt, Бенедикт",
    "cosmas": "Cosmas, Côme, Cosme, Cosma, Kosmas, Косма, Κοσμάς",
    "damian": "Damian, Damien, Damián, Damiano, Дамиан, Δαμιανός",
    "catherine": "Catherine, Catalina, Caterina, Katharina, Екатерина, Αικατερίνη",
    "barbara": "Barbara, Barbe, Bárbara, Варвара, Βαρβάρα",
    "irene": "Irene, Irène, Ирина, Ειρήνη",
    "helena": "Helena, Hélène, Elena, Елена, Ελένη",
    "paraskeva": "Paraskeva, Parascève, Parasceve, Параскева, Παρασκευή",
    "anastasia": "Anastasia, Anastasie, Анастасия, Αναστασία",
    "sophia": "Sophia, Sophie, Sofía, Sofia, София, Σοφία",
    "boris": "Boris, Борис",
    "gleb": "Gleb, Глеб",
    "vladimir": "Vladimir, Wladimir, Владимир",
    "olga": "Olga, Ольга, Ольги",
    "nevsky": "Nevsky, Nevski, Newski, Невский",
    # Titles and figures that stand for a name.
    "bishop": "Bishop, Évêque, Obispo, Vescovo, Bischof, Епископ, Επίσκοπος",
    "archbishop": "Archbishop, Archevêque, Arzobispo, Arcivescovo, Erzbischof, "
    "Архиепископ, Αρχιεπίσκοπος",
    "metropolitan": "Metropolitan, Métropolite, Metropolita, Metropolit, Митрополит, Μητροπολίτης",
    "patriarch": "Patriarch, Patriarche, Patriarca, Патриарх, Πατριάρχης",
    "pope": "Pope, Pape, Papst, Πάπας",
    "hierarch": "Hierarch, Hiérarque, Jerarca, Gerarca, Святитель, Иерарх, Ιεράρχης",
    "prophet": "Prophet, Prophète, Profeta, Prophet, Пророк, Προφήτης",
    "martyr": "Martyr, Mártir, Martire, Märtyrer, Мученик, Великомученик, Μάρτυς, Μεγαλομάρτυς",
    "monk": "Monk, Moine, Monje, Monaco, Mönch, Монах, Преподобный, Μοναχός",
    "king": "King, Roi, Rey, König, Царь, Король, Βασιλιάς",
    "queen": "Queen, Reine, Reina, Regina, Königin, Царица, Королева, Βασίλισσα",
    "warrior": "Warrior, Guerrier, Guerrero, Guerriero, Krieger, Воин, Πολεμιστής",
    "horseman": "Horseman, Rider, Cavalier, Jinete, Cavaliere, Reiter, Всадник, Ιππέας",
    "hoplite": "Hoplite, Hoplita, Oplita, Hoplit, Гоплит, Οπλίτης",
    "athlete": "Athlete, Athlète, Atleta, Athlet, Атлет, Αθλητής",
    "kouros": "Kouros, Kuros, Курос, Κούρος",
    "kore": "Kore, Koré, Κόρη, Κόρης",
    # Gods, heroes and creatures of ancient art (Roman names map to the Greek ones).
    "zeus": "Zeus, Zeus, Zevs, Зевс, Ζευς, Δίας, Δία, Jupiter, Júpiter, Giove, Юпитер",
    "hera": "Hera, Héra, Гера, Геры, Ήρα, Ήρας, Juno, Junon, Juno, Giunone, Юнона",
    "athena": "Athena, Athéna, Athene, Atenea, Atena, Афина, Αθηνά, Αθηνάς, Minerva, "
    "Minerve, Минерва",
    "apollo": "Apollo, Apollon, Apolo, Аполлон, Απόλλων, Απόλλωνας",
    "artemis": "Artemis, Artémis, Artemide, Артемида, Άρτεμις, Άρτεμη, Diana, Diane, Диана",
    "aphrodite": "Aphrodite, Afrodita, Afrodite, Афродита, Αφροδίτη, Venus, Vénus, Venere, Венера",
    "hermes": "Hermes, Hermès, Ermes, Гермес, Ερμής, Ερμή, Ερμού, Mercury, Mercure, Mercurio, "
    "Merkur, Меркурий",
    "dionysus": "Dionysus, Dionysos, Dioniso, Dionisio, Дионис, Διόνυσος, Bacchus, Baco, "
    "Bacco, Вакх, Бахус",
    "ares": "Ares, Arès, Арес, Άρης, Άρη",
    "poseidon": "Poseidon, Poséidon, Posidón, Poseidone, Посейдон, Ποσειδών, Ποσειδώνας, "
    "Neptune, Neptuno, Nettuno, Neptun, Нептун",
    "demeter": "Demeter, Déméter, Deméter, Demetra, Деметра, Δήμητρα, Ceres, Cérès, Церера",
    "hephaestus": "Hephaestus, Héphaïstos, Hefesto, Efesto, Hephaistos, Гефест, Ήφαιστος, "
    "Vulcan, Vulcain, Vulcano, Vulkan, Вулкан",
    "hades": "Hades, Hadès, Аид, Άδης, Pluto, Pluton, Plutone, Плутон",
    "persephone": "Persephone, Perséphone, Perséfone, Persefone, Персефона, Περσεφόνη, "
    "Proserpina, Proserpine, Прозерпина",
    "eros": "Eros, Éros, Эрот, Эрос, Έρως, Έρωτας, Cupid, Cupidon, Cupido, Купидон, Amour",
    "nike": "Nike, Niké, Ника, Νίκη",
    "asclepius": "Asclepius, Asclépios, Asclepio, Asklepios, Асклепий, Ασκληπιός, "
    "Aesculapius, Esculape, Esculapio",
    "herakles": "Herakles, Héraclès, Heracles, Eracle, Геракл, Ηρακλής, Hercules, Hercule, "
    "Hércules, Ercole, Геркулес",
    "achilles": "Achilles, Achille, Aquiles, Achilleus, Ахилл, Ахиллес, Αχιλλέας",
    "odysseus": "Odysseus, Ulysse, Ulises, Ulisse, Одиссей, Улисс, Οδυσσέας",
    "perseus": "Perseus, Persée, Perseo, Персей, Περσέας",
    "theseus": "Theseus, Thésée, Teseo, Тесей, Θησέας",
    "orpheus": "Orpheus, Orphée, Orfeo, Орфей, Ορφέας",
    "medusa": "Medusa, Méduse, Медуза, Μέδουσα, Gorgon, Gorgone, Gorgona, Горгона, Γοργόνα",
    "silenus": "Silenus, Silène, Sileno, Silen, Силен, Σιληνός",
    "satyr": "Satyr, Satyre, Sátiro, Satiro, Сатир, Σάτυρος",
    "maenad": "Maenad, Ménade, Menade, Mänade, Менада, Μαινάδα",
    "nymph": "Nymph, Nymphe, Ninfa, Нимфа, Νύμφη",
    "muse": "Muse, Musa, Муза, Μούσα",
    "sphinx": "Sphinx, Esfinge, Sfinge, Сфинкс, Σφίγγα",
    "centaur": "Centaur, Centaure, Centauro, Kentaur, Кентавр, Κένταυρος",
    "griffin": "Griffin, Griffon, Grifo, Grifone, Greif, Грифон, Γρύπας",
    "isis": "Isis, Iside, Исида, Ίσιδα, Ίσιδος",
    "osiris": "Osiris, Osiride, Осирис, Όσιρις",
    "horus": "Horus, Horo, Ώρος",
    "mithras": "Mithras, Mithra, Mitra, Митра, Μίθρας",
    # Rulers of coins and portraits.
    "alexander": "Alexander, Alexandre, Alejandro, Alessandro, Александр, Αλέξανδρος",
    "ptolemy": "Ptolemy, Ptolémée, Ptolomeo, Tolomeo, Ptolemäus, Птолемей, Πτολεμαίος",
    "seleucus": "Seleucus, Séleucos, Seleuco, Seleukos, Селевк, Σέλευκος",
    "antiochus": "Antiochus, Antiochos, Antíoco, Antioco, Антиох, Αντίοχος",
    "caesar": "Caesar, César, Cesare, Цезарь, Кесарь, Καίσαρας",
    "augustus": "Augustus, Auguste, Augusto, Август, Αύγουστος",
    "tiberius": "Tiberius, Tibère, Tiberio, Тиберий, Τιβέριος",
    "caligula": "Caligula, Calígula, Калигула, Καλιγούλας",
    "claudius": "Claudius, Claude, Claudio, Клавдий, Κλαύδιος",
    "nero": "Nero, Néron, Nerón, Nerone, Нерон, Νέρων, Νέρωνας",
    "vespasian": "Vespasian, Vespasien, Vespasiano, Веспасиан, Βεσπασιανός",
    "titus": "Titus, Tito, Тит, Тита, Τίτος",
    "domitian": "Domitian, Domitien, Domiciano, Domiziano, Домициан, Δομιτιανός",
    "trajan": "Trajan, Trajano, Traiano, Траян, Τραϊανός",
    "hadrian": "Hadrian, Hadrien, Adriano, Hadrianus, Адриан, Αδριανός",
    "antoninus": "Antoninus, Antonin, Antonino, Антонин, Αντωνίνος",
    "aurelius": "Aurelius, Aurèle, Aurelio, Аврелий, Αυρήλιος",
    "commodus": "Commodus, Commode, Cómodo, Commodo, Коммод, Κόμμοδος",
    "severus": "Severus, Sévère, Severo, Σεβήρος",
    "caracalla": "Caracalla, Каракалла, Καρακάλλας",
    "gordian": "Gordian, Gordien, Gordiano, Гордиан, Γορδιανός",
    "decius": "Decius, Dèce, Decio, Деций, Δέκιος",
    "valerian": "Valerian, Valérien, Valeriano, Валериан, Βαλεριανός",
    "gallienus": "Gallienus, Gallien, Galieno, Gallieno, Галлиен, Γαλλιηνός",
    "aurelian": "Aurelian, Aurélien, Aureliano, Аврелиан, Αυρηλιανός",
    "probus": "Probus, Probo, Проб, Πρόβος",
    "diocletian": "Diocletian, Dioclétien, Diocleciano, Diocleziano, Диоклетиан, Διοκλητιανός",
    "maximian": "Maximian, Maximien, Maximiano, Massimiano, Максимиан, Μαξιμιανός",
    "constantine": "Constantine, Constantin, Constantino, Costantino, Konstantin, "
    "Константин, Κωνσταντίνος",
    "constantius": "Constantius, Constance, Constancio, Costanzo, Констанций, Κωνστάντιος",
    "julian": "Julian, Julien, Juliano, Giuliano, Юлиан, Ιουλιανός",
    "theodosius": "Theodosius, Théodose, Teodosio, Феодосий, Θεοδόσιος",
    "valentinian": "Valentinian, Valentinien, Valentiniano, Валентиниан, Βαλεντινιανός",
    "justinian": "Justinian, Justinien, Justiniano, Giustiniano, Юстиниан, Ιουστινιανός",
    "heraclius": "Heraclius, Héraclius, Heraclio, Eraclio, Ираклий, Ηράκλειος",
    "alexios": "Alexios, Alexis, Alexius, Alejo, Alessio, Алексей, Αλέξιος",
    "manuel": "Manuel, Manuele, Мануил, Μανουήλ",
}

#: Spellings (folded) that are common words too, read as names only after a title (a
#: saint, an apostle, an emperor): French *pierre* is stone, Greek *πέτρα* is stone and
#: Russian *Петра* is Peter's genitive, French *mars* is March, Russian *север* north.
AFTER_TITLE: dict[str, str] = {
    "pierre": "peter",
    "petra": "peter",
    "marte": "ares",
    "mars": "ares",
    "papa": "pope",
    "amor": "eros",
    "victoria": "nike",
    "sever": "severus",
}

#: Titles, figures, epithets and scenes: they say what is shown, not who, and stand
#: beside a name (a bishop may be Saint Nicholas, the Hodegetria is the Virgin). A
#: seizure and a listed object that each name someone else disagree on their subject
#: (see ``matching``); these words are not counted as such a name.
GENERIC: frozenset[str] = frozenset(
    {
        "pantocrator", "hodegetria", "eleousa", "saviour", "trinity", "annunciation",
        "nativity", "crucifixion", "resurrection", "dormition", "transfiguration",
        "deesis", "baptist", "theologian", "evangelist", "chrysostom", "nevsky",
        "bishop", "archbishop", "metropolitan", "patriarch", "pope", "hierarch",
        "prophet", "martyr", "monk", "king", "queen", "warrior", "horseman", "hoplite",
        "athlete", "kouros", "kore", "satyr", "maenad", "nymph", "muse", "sphinx",
        "centaur", "griffin", "medusa", "caesar", "augustus",
    }
)  # fmt: skip
