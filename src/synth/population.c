/*
 * population.c - the background world of the synthetic register: who works
 * in Armenia, for whom, where and for how much.
 *
 * Data: the name tables (Latin / Cyrillic / Armenian spellings of each
 * nationality's names), nationalities with their shares, occupations and
 * sectors (ISCO-08, ISIC Rev.4) with their affinity table, regions, towns
 * and streets. Code: people (synth_person_new), employers and agencies,
 * identifiers (application ids, TINs, accounts, passports, phones, e-mails),
 * background employers (synth_gen_background), unrelated travellers
 * (synth_gen_tourists), and the employer / agency pool that every unit draws
 * from (synth_init_tables, synth_build_pool).
 *
 * Invariants: the ones of synth_int.h; the pool holds about 150 bytes per
 * employer and is the only memory that grows with the number of
 * applications. Thread model: single-threaded, all state in ctx_t. Frees
 * nothing it did not allocate; synth_build_pool's arrays are freed by
 * synth_run().
 */
#include "synth/synth_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- name tables --------------------------------------------------------
 * An entry is "Latin|variant|...=Cyrillic=Armenian"; the Cyrillic and
 * Armenian parts are optional ("Lat==Arm" has Armenian only). Variants are
 * transliteration spellings of the same name; the first is the most common.
 * Family-name pools marked `gendered` take the Slavic feminine ending. */

static const char *const arm_fam[] = {
    "Petrosyan|Petrosian|Petrosjan=Петросян=Պետրոսյան",
    "Grigoryan|Grigorian|Grigorjan=Григорян=Գրիգորյան",
    "Khachatryan|Khachatrian|Xachatryan|Hachatryan=Хачатрян=Խաչատրյան",
    "Hakobyan|Akopyan|Hakobian|Hagopian=Акопян=Հակոբյան",
    "Harutyunyan|Arutyunyan|Harutiunian|Arutiunian=Арутюнян=Հարությունյան",
    "Sargsyan|Sarkisyan|Sargsian|Sarkissian=Саркисян=Սարգսյան",
    "Vardanyan|Vardanian|Vartanian=Варданян=Վարդանյան",
    "Ghazaryan|Kazaryan|Gazaryan|Ghazarian=Казарян=Ղազարյան",
    "Poghosyan|Pogosyan|Poghosian|Boghossian=Погосян=Պողոսյան",
    "Avetisyan|Avetisian|Avetissian=Аветисян=Ավետիսյան",
    "Mkrtchyan|Mkrtchian|Mkrtchjan|Mkrtichian=Мкртчян=Մկրտչյան",
    "Hovhannisyan|Oganesyan|Hovannisyan|Ohanian=Оганесян=Հովհաննիսյան",
    "Karapetyan|Karapetian|Garabedian=Карапетян=Կարապետյան",
    "Gevorgyan|Gevorkyan|Gevorgian|Kevorkian=Геворкян=Գևորգյան",
    "Stepanyan|Stepanian|Stepanjan=Степанян=Ստեփանյան",
    "Martirosyan|Martirosian|Martirossian=Мартиросян=Մարտիրոսյան",
    "Manukyan|Manukian|Manoukian=Манукян=Մանուկյան",
    "Babayan|Babaian|Babajan=Бабаян=Բաբայան",
    "Davtyan|Davtian|Davtjan=Давтян=Դավթյան",
    "Arakelyan|Arakelian|Arakeljan=Аракелян=Առաքելյան",
    "Hambardzumyan|Ambartsumyan|Hambardzumian|Ambartsumian=Амбарцумян=Համբարձումյան",
    "Simonyan|Simonian|Simonjan=Симонян=Սիմոնյան",
    "Asatryan|Asatrian|Asatrjan=Асатрян=Ասատրյան",
    "Melkonyan|Melkonian|Melqonyan=Мелконян=Մելքոնյան",
    "Galstyan|Galstian|Galstjan=Галстян=Գալստյան",
};

static const char *const arm_m[] = {
    "Armen=Армен=Արմեն", "Aram=Арам=Արամ", "Tigran=Тигран=Տիգրան", "Ashot=Ашот=Աշոտ",
    "Artur|Arthur=Артур=Արթուր", "Gevorg|Gevork|Kevork=Геворг=Գևորգ",
    "Grigor|Grigori|Krikor=Григор=Գրիգոր", "Hayk|Haik|Gaik=Гайк=Հայկ",
    "Vahe|Vache|Vage=Ваге=Վահե", "Davit|David=Давид=Դավիթ", "Narek=Нарек=Նարեկ",
    "Hovhannes|Oganes|Ovanes|Hovannes=Оганес=Հովհաննես", "Samvel=Самвел=Սամվել",
    "Suren=Сурен=Սուրեն", "Karen=Карен=Կարեն", "Vardan|Vartan=Вардан=Վարդան",
    "Levon=Левон=Լևոն", "Garnik=Гарник=Գառնիկ", "Hakob|Akop|Hagop=Акоп=Հակոբ",
    "Harutyun|Arutyun|Harutiun=Арутюн=Հարություն", "Gagik=Гагик=Գագիկ",
    "Mher|Mger=Мгер=Մհեր",
};

static const char *const arm_f[] = {
    "Anna=Анна=Աննա", "Ani=Ани=Անի", "Lilit|Lilith=Лилит=Լիլիթ",
    "Mariam|Maryam=Мариам=Մարիամ", "Gayane|Gayaneh|Kayane=Гаяне=Գայանե",
    "Anahit|Anait|Anaid=Анаит=Անահիտ", "Nune=Нуне=Նունե", "Armine=Армине=Արմինե",
    "Lusine|Lusineh=Лусине=Լուսինե", "Narine=Нарине=Նարինե",
    "Siranush|Siranoush=Сирануш=Սիրանուշ", "Hasmik|Asmik=Асмик=Հասմիկ",
    "Tatevik=Татевик=Տաթևիկ", "Astghik|Astkhik=Астхик=Աստղիկ", "Karine=Карине=Կարինե",
    "Hripsime|Ripsime=Рипсиме=Հռիփսիմե",
};

static const char *const ru_fam[] = {
    "Ivanov=Иванов", "Smirnov=Смирнов", "Kuznetsov|Kuznecov=Кузнецов", "Popov=Попов",
    "Vasilyev|Vasiliev|Vasilev=Васильев", "Petrov=Петров", "Sokolov=Соколов",
    "Mikhaylov|Mikhailov|Mihailov=Михайлов", "Novikov=Новиков",
    "Fedorov|Fyodorov=Фёдоров", "Morozov=Морозов", "Volkov=Волков",
    "Alekseyev|Alekseev|Alexeev=Алексеев", "Lebedev=Лебедев", "Semyonov|Semenov=Семёнов",
    "Yegorov|Egorov=Егоров", "Pavlov=Павлов", "Kozlov=Козлов", "Stepanov=Степанов",
    "Nikolayev|Nikolaev=Николаев", "Orlov=Орлов", "Andreyev|Andreev=Андреев",
    "Makarov=Макаров", "Zaytsev|Zaitsev|Zajcev=Зайцев",
    "Solovyov|Solovyev|Soloviev=Соловьёв", "Belov=Белов", "Kovalyov|Kovalev=Ковалёв",
    "Gusev=Гусев", "Titov=Титов", "Kiselyov|Kiselev=Киселёв", "Romanov=Романов",
    "Vinogradov=Виноградов", "Kozlovsky|Kozlovskiy|Kozlovskii=Козловский",
    "Lukashevich|Lukashevitch=Лукашевич", "Zhuk|Juk=Жук", "Karpovich=Карпович",
};

static const char *const ru_m[] = {
    "Aleksandr|Alexander|Alexandr=Александр", "Sergey|Sergei|Sergej=Сергей",
    "Dmitriy|Dmitry|Dmitrii=Дмитрий", "Andrey|Andrei=Андрей",
    "Aleksey|Alexey|Alexei=Алексей", "Maksim|Maxim=Максим", "Ivan=Иван",
    "Mikhail|Mikhael=Михаил", "Nikolay|Nikolai=Николай", "Vladimir=Владимир",
    "Yevgeniy|Evgeny|Evgenii=Евгений", "Artyom|Artem|Artiom=Артём", "Pavel=Павел",
    "Denis=Денис", "Igor=Игорь", "Oleg=Олег", "Roman=Роман", "Vitaliy|Vitaly=Виталий",
    "Yuriy|Yuri|Iurii=Юрий", "Anton=Антон", "Kirill=Кирилл", "Ilya|Ilia=Илья",
};

static const char *const ru_f[] = {
    "Anna=Анна", "Yelena|Elena=Елена", "Olga=Ольга", "Tatyana|Tatiana=Татьяна",
    "Natalya|Natalia=Наталья", "Irina=Ирина", "Svetlana=Светлана", "Mariya|Maria=Мария",
    "Yekaterina|Ekaterina=Екатерина", "Anastasiya|Anastasia=Анастасия",
    "Yuliya|Yulia|Julia=Юлия", "Darya|Daria=Дарья", "Alina=Алина",
    "Viktoriya|Victoria|Viktoria=Виктория", "Kseniya|Ksenia=Ксения", "Polina=Полина",
    "Sofiya|Sofia=София", "Valeriya|Valeria=Валерия", "Kristina=Кристина", "Yana=Яна",
    "Olesya|Alesya=Олеся",
};

static const char *const ua_fam[] = {
    "Shevchenko=Шевченко", "Kovalenko=Коваленко", "Bondarenko=Бондаренко",
    "Tkachenko=Ткаченко", "Kravchenko=Кравченко", "Melnyk|Melnik=Мельник",
    "Boyko|Boiko=Бойко", "Kovalchuk=Ковальчук", "Oliynyk|Oliinyk|Oleinik=Олійник",
    "Lysenko|Lisenko=Лисенко", "Marchenko=Марченко", "Rudenko=Руденко",
    "Savchenko=Савченко", "Polishchuk|Polischuk=Поліщук", "Moroz=Мороз",
    "Hrytsenko|Gritsenko=Гриценко", "Koval=Коваль", "Petrenko=Петренко",
    "Ponomarenko=Пономаренко", "Kostenko=Костенко",
};

static const char *const ua_m[] = {
    "Oleksandr|Olexandr|Aleksandr=Олександр", "Serhiy|Serhii|Sergiy=Сергій",
    "Andriy|Andrii|Andrey=Андрій", "Mykola|Nikolay=Микола", "Dmytro|Dmitro=Дмитро",
    "Bohdan|Bogdan=Богдан", "Taras=Тарас", "Volodymyr|Vladimir=Володимир",
    "Yuriy|Yurii|Iurii=Юрій", "Oleh|Oleg=Олег", "Ivan=Іван", "Vasyl|Vasil=Василь",
    "Maksym|Maxim=Максим", "Roman=Роман", "Petro=Петро",
};

static const char *const ua_f[] = {
    "Olena|Elena=Олена", "Iryna|Irina=Ірина", "Nataliya|Natalia=Наталія",
    "Oksana=Оксана", "Tetiana|Tetyana|Tatiana=Тетяна", "Yuliia|Yuliya|Yulia=Юлія",
    "Anastasiia|Anastasia=Анастасія", "Kateryna|Ekaterina=Катерина",
    "Viktoriia|Viktoria=Вікторія", "Mariia|Maria=Марія", "Olha|Olga=Ольга",
    "Daria|Dariia=Дарія", "Sofiia|Sofia=Софія", "Khrystyna|Kristina=Христина",
    "Alina=Аліна", "Yana=Яна",
};

static const char *const in_fam[] = {
    "Singh", "Kumar", "Sharma", "Verma", "Gupta", "Patel", "Yadav", "Reddy", "Nair",
    "Das", "Khan", "Gill", "Sandhu", "Sidhu", "Dhillon", "Rao", "Mishra", "Chauhan",
    "Thakur", "Pillai", "Joshi", "Malhotra", "Choudhary|Chaudhary|Chaudhry", "Bhatt|Bhat",
};

static const char *const in_m[] = {
    "Rahul", "Amit", "Vikram", "Sandeep|Sundeep", "Rajesh", "Suresh", "Manoj",
    "Gurpreet", "Harpreet", "Manpreet", "Jaspreet", "Sukhwinder|Sukhvinder", "Ravi",
    "Anil", "Sunil", "Deepak|Dipak", "Ajay", "Vijay", "Arjun", "Rohit",
    "Mohammed|Mohammad|Muhammad|Mohd", "Imran", "Sanjay", "Ramesh", "Prakash", "Karan",
    "Gagandeep", "Lovepreet", "Navdeep",
};

static const char *const in_f[] = {
    "Priya", "Pooja|Puja", "Neha", "Anjali", "Kavita|Kavitha", "Sunita", "Simran",
    "Manpreet", "Harpreet", "Ritu", "Lakshmi|Laxmi", "Deepa",
};

static const char *const np_fam[] = {
    "Thapa", "Gurung", "Tamang", "Rai", "Magar", "Shrestha", "Karki", "Limbu",
    "Adhikari", "Bhandari", "Khadka", "Poudel|Paudel", "Sherpa", "Lama", "Bhattarai",
};

static const char *const np_m[] = {
    "Ram", "Bishnu", "Krishna", "Hari", "Suman", "Bikash|Bikas", "Rajendra",
    "Dipak|Deepak", "Sagar", "Prakash", "Nabin|Naveen", "Santosh", "Ramesh",
};

static const char *const np_f[] = {"Sita", "Gita|Geeta", "Sarita", "Sunita", "Manisha", "Anita"};

static const char *const bd_fam[] = {
    "Hossain|Hussain|Hosen", "Rahman", "Islam", "Alam", "Uddin", "Ahmed|Ahmad",
    "Miah|Mia", "Sheikh|Shaikh", "Sarker|Sarkar", "Akter|Akhter", "Chowdhury|Chowdhuri",
    "Mondal|Mandal",
};

static const char *const bd_m[] = {
    "Md Rashed|Mohammad Rashed", "Abdul Karim", "Shahidul", "Rafiqul", "Aminul",
    "Jahangir", "Kamal", "Jamal", "Sohel|Sohail", "Rubel", "Shakil", "Masud|Masood",
    "Mohammad|Mohammed|Md.",
};

static const char *const bd_f[] = {"Nasrin", "Fatema|Fatima", "Shirin", "Rina", "Ayesha|Aisha"};

static const char *const pk_fam[] = {
    "Khan", "Ahmed|Ahmad", "Ali", "Hussain|Husain", "Butt", "Malik",
    "Chaudhry|Chaudhary", "Qureshi", "Raza", "Iqbal", "Shah", "Mirza",
};

static const char *const pk_m[] = {
    "Muhammad|Mohammad|Mohammed", "Ali", "Ahmed|Ahmad", "Usman|Osman", "Bilal", "Imran",
    "Asif", "Tariq|Tarik", "Waqas", "Faisal|Faysal", "Hamza", "Zeeshan|Zishan",
};

static const char *const pk_f[] = {"Ayesha|Aisha", "Fatima", "Sana", "Hina", "Sadia"};

static const char *const lk_fam[] = {
    "Perera", "Fernando", "De Silva|de Silva|Silva", "Jayasinghe", "Bandara",
    "Wickramasinghe|Wickremesinghe", "Rajapaksha|Rajapakse", "Gunawardena|Gunawardana",
    "Herath", "Dissanayake|Dissanayaka", "Kumara",
};

static const char *const lk_m[] = {
    "Nimal", "Sunil", "Kamal", "Chaminda", "Pradeep", "Ruwan", "Nuwan", "Dinesh",
    "Mahesh", "Tharindu",
};

static const char *const lk_f[] = {
    "Nadeesha|Nadisha", "Dilani", "Chamari", "Kumari", "Sanduni", "Malkanthi",
    "Nirosha", "Anoma",
};

static const char *const ph_fam[] = {
    "Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza",
    "Dela Cruz|dela Cruz|De la Cruz", "Ramos", "Aquino", "Villanueva", "Castillo",
    "Flores",
};

static const char *const ph_m[] = {"Jose", "Juan", "Mark", "John Paul", "Rommel", "Jun", "Ariel"};

static const char *const ph_f[] = {
    "Maria|Ma.", "Jocelyn", "Maricel", "Lorna", "Rowena", "Marites|Maritess", "Jennifer",
    "Rosalie", "Analyn", "Cristina|Christina", "Grace", "Mary Ann|Maryann",
};

static const char *const et_fam[] = {
    "Tesfaye", "Alemu", "Bekele", "Girma", "Haile", "Tadesse|Tadese", "Mengistu",
    "Wolde|Welde", "Kebede", "Getachew",
};

static const char *const et_m[] = {"Abebe", "Dawit", "Tesfaye", "Yohannes", "Bereket"};

static const char *const et_f[] = {
    "Tigist", "Meseret", "Hirut|Hiruth", "Almaz", "Selamawit|Selam",
    "Bethlehem|Betelhem", "Mekdes", "Tsehay|Tsehai", "Aster",
};

static const char *const ir_fam[] = {
    "Mohammadi|Mohamadi", "Hosseini|Husseini", "Ahmadi", "Rezaei|Rezaee", "Moradi",
    "Karimi", "Jafari|Jafary", "Rahimi", "Hashemi", "Ghasemi|Qasemi", "Sadeghi|Sadeqi",
    "Tehrani", "Kazemi", "Rostami",
};

static const char *const ir_m[] = {
    "Mohammad|Mohammed|Mohamad", "Ali", "Reza", "Hossein|Hosein|Hussein", "Mehdi|Mahdi",
    "Amir", "Hamid", "Saeed|Saeid|Said", "Mohsen", "Majid", "Behnam", "Farhad",
};

static const char *const ir_f[] = {
    "Fatemeh|Fatima", "Zahra", "Maryam|Mariam", "Sara|Sarah", "Narges", "Nazanin",
    "Leila|Leyla",
};

static const char *const cn_fam[] = {
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
    "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin",
};

static const char *const cn_m[] = {
    "Wei", "Lei", "Jun", "Yong", "Jie", "Tao", "Ming", "Qiang", "Hao", "Bo", "Jianhua",
    "Zhiqiang", "Xiaoming",
};

static const char *const cn_f[] = {"Li", "Fang", "Yan", "Jing", "Min", "Xiaoyan", "Hong"};

static const char *const ar_fam[] = {
    "Al-Ahmad|Alahmad|Al Ahmad", "Haddad", "Khalil", "Hassan|Hasan", "Ibrahim",
    "Saleh|Salih", "Mansour|Mansur", "Nasser|Nasr", "Al-Hussein|Alhussein",
    "Abdullah|Abdallah", "Saad", "Farah", "Khoury|Khouri|Al-Khoury", "Darwish",
    "Hamdan", "Kassem|Qasem|Kasem", "Al-Jubouri|Aljubouri", "Al-Tamimi|Altamimi",
    "Abdelrahman|Abdel Rahman", "El-Sayed|Elsayed|El Sayed",
};

static const char *const ar_m[] = {
    "Mohammed|Muhammad|Mohamed|Mohammad", "Ahmed|Ahmad", "Ali", "Omar|Umar",
    "Khaled|Khalid", "Hassan|Hasan", "Hussein|Husein|Hussain", "Mahmoud|Mahmud",
    "Youssef|Yousef|Yusuf", "Ibrahim|Ebrahim", "Mustafa|Moustafa|Mostafa",
    "Abdullah|Abdallah", "Samir|Sameer", "Tarek|Tariq", "Karim|Kareem",
};

static const char *const ar_f[] = {
    "Fatima|Fatma", "Aisha|Aysha", "Mariam|Maryam", "Noor|Nour", "Rania", "Layla|Leila",
    "Hiba", "Dina",
};

static const char *const tr_fam[] = {
    "Yılmaz|Yilmaz", "Kaya", "Demir", "Şahin|Sahin", "Çelik|Celik", "Yıldız|Yildiz",
    "Aydın|Aydin", "Öztürk|Ozturk", "Arslan", "Doğan|Dogan", "Kılıç|Kilic",
};

static const char *const tr_m[] = {
    "Mehmet|Mehmed", "Mustafa", "Ahmet", "Ali", "Hüseyin|Huseyin", "Hasan",
    "İbrahim|Ibrahim", "Murat", "Emre", "Burak", "Ömer|Omer",
};

static const char *const tr_f[] = {"Ayşe|Ayse", "Fatma", "Emine", "Zeynep", "Elif"};

static const char *const ge_fam[] = {
    "Beridze", "Kapanadze", "Gelashvili", "Maisuradze", "Lomidze",
    "Tsiklauri|Tsiklaury", "Bolkvadze", "Kvaratskhelia", "Nozadze", "Abuladze",
    "Khutsishvili|Khutsishvilli", "Mamedov|Mammadov",
};

static const char *const ge_m[] = {
    "Giorgi|George|Georgi", "Davit|David", "Levan", "Irakli|Irakly", "Nikoloz|Nika",
    "Zurab", "Giga", "Luka", "Lasha", "Mikheil|Mikhail",
};

static const char *const ge_f[] = {
    "Nino", "Tamar|Tamara", "Mariam", "Ana", "Ekaterine|Eka", "Salome", "Natia",
    "Ketevan|Keti",
};

static const char *const ca_fam[] = {
    "Karimov=Каримов", "Rakhimov|Rahimov=Рахимов", "Yusupov=Юсупов",
    "Abdullayev|Abdullaev=Абдуллаев", "Ergashev=Эргашев", "Nazarov=Назаров",
    "Tursunov=Турсунов", "Mirzayev|Mirzaev=Мирзаев", "Kholmatov|Xolmatov=Холматов",
    "Sobirov=Собиров", "Umarov=Умаров", "Rahmonov|Rakhmonov=Рахмонов", "Saidov=Саидов",
    "Davlatov=Давлатов", "Sharipov=Шарипов", "Rajabov|Radjabov=Раджабов",
    "Kurbonov|Qurbonov=Курбонов", "Safarov=Сафаров",
};

static const char *const uz_m[] = {
    "Azizbek|Aziz", "Bekzod|Bekzot", "Sardor", "Jasurbek|Jasur", "Rustam=Рустам",
    "Sherzod", "Ulugbek|Ulughbek", "Dilshod", "Farrukh|Farukh", "Otabek",
};

static const char *const uz_f[] = {
    "Dilnoza", "Gulnora|Gulnara", "Nilufar", "Madina=Мадина", "Zarina=Зарина",
    "Shahnoza", "Sevara",
};

static const char *const tj_m[] = {
    "Firdavs", "Farhod|Farkhod", "Jamshed|Jamshid", "Rustam=Рустам",
    "Bakhtiyor|Baxtiyor", "Shukhrat|Shuhrat", "Umed", "Faridun",
};

static const char *const tj_f[] = {"Mehrona", "Nigina", "Zarina=Зарина", "Shabnam"};

static const char *const kg_fam[] = {
    "Asanov=Асанов", "Usenov=Усенов", "Mamatov=Маматов", "Abdyldaev|Abdyldayev=Абдылдаев",
    "Toktogulov=Токтогулов", "Ismailov|Ismaylov=Исмаилов", "Sadykov|Sadikov=Садыков",
    "Zhumabaev|Jumabaev|Dzhumabaev=Жумабаев", "Osmonov=Осмонов", "Bakirov=Бакиров",
};

static const char *const kg_m[] = {
    "Nurlan=Нурлан", "Azamat=Азамат", "Bakyt|Bakit", "Ermek", "Talant", "Aibek|Aybek",
    "Maksat", "Ulan", "Chyngyz|Chingiz", "Kanat",
};

static const char *const kg_f[] = {
    "Aigerim|Aygerim", "Aizhan|Ayzhan", "Cholpon|Cholpan", "Asel", "Gulzat", "Nazira",
    "Begimai|Begimay", "Aida",
};

static const char *const kz_fam[] = {
    "Nurlanov", "Akhmetov|Ahmetov", "Omarov", "Zhakupov|Dzhakupov", "Kenzhebekov",
    "Suleimenov|Suleymenov", "Bekov", "Tulegenov",
};

static const char *const kz_m[] = {
    "Nursultan", "Yerlan|Erlan", "Daulet", "Askar", "Arman", "Baurzhan|Bauyrzhan",
    "Dias", "Timur",
};

static const char *const kz_f[] = {"Aigerim", "Dana", "Aruzhan", "Madina", "Saule"};

static const char *const us_fam[] = {
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
    "Anderson", "Taylor", "O'Brien|OBrien", "Garcia",
};

static const char *const us_m[] = {
    "John", "Michael", "David", "James", "Robert", "Daniel", "Christopher", "Matthew",
};

static const char *const us_f[] = {"Jennifer", "Sarah", "Emily", "Jessica", "Elizabeth", "Ashley"};

static const char *const fr_fam[] = {
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
    "Leroy|Le Roy", "Moreau", "Lefèvre|Lefevre",
};

static const char *const fr_m[] = {
    "Jean", "Pierre", "Nicolas", "Thomas", "Julien", "Antoine", "Mathieu|Matthieu",
    "Jean-Pierre|Jean Pierre",
};

static const char *const fr_f[] = {"Marie", "Sophie", "Camille", "Julie", "Claire",
                                   "Élodie|Elodie"};

const pool_t synth_pools[] = {
    POOL(arm_fam, 0), POOL(arm_m, 0), POOL(arm_f, 0), POOL(ru_fam, 1), POOL(ru_m, 0),
    POOL(ru_f, 0), POOL(ua_fam, 1), POOL(ua_m, 0), POOL(ua_f, 0), POOL(in_fam, 0),
    POOL(in_m, 0), POOL(in_f, 0), POOL(np_fam, 0), POOL(np_m, 0), POOL(np_f, 0),
    POOL(bd_fam, 0), POOL(bd_m, 0), POOL(bd_f, 0), POOL(pk_fam, 0), POOL(pk_m, 0),
    POOL(pk_f, 0), POOL(lk_fam, 0), POOL(lk_m, 0), POOL(lk_f, 0), POOL(ph_fam, 0),
    POOL(ph_m, 0), POOL(ph_f, 0), POOL(et_fam, 0), POOL(et_m, 0), POOL(et_f, 0),
    POOL(ir_fam, 0), POOL(ir_m, 0), POOL(ir_f, 0), POOL(cn_fam, 0), POOL(cn_m, 0),
    POOL(cn_f, 0), POOL(ar_fam, 0), POOL(ar_m, 0), POOL(ar_f, 0), POOL(tr_fam, 0),
    POOL(tr_m, 0), POOL(tr_f, 0), POOL(ge_fam, 0), POOL(ge_m, 0), POOL(ge_f, 0),
    POOL(ca_fam, 1), POOL(uz_m, 0), POOL(uz_f, 0), POOL(tj_m, 0), POOL(tj_f, 0),
    POOL(kg_fam, 1), POOL(kg_m, 0), POOL(kg_f, 0), POOL(kz_fam, 1), POOL(kz_m, 0),
    POOL(kz_f, 0), POOL(us_fam, 0), POOL(us_m, 0), POOL(us_f, 0), POOL(fr_fam, 0),
    POOL(fr_m, 0), POOL(fr_f, 0),
};

const nat_t synth_nats[NNAT] = {
    {"RUS", "Russia", 300, 330, "DDDDDDDDD", "7", "9DDDDDDDDD", PL_RU_FAM, PL_RU_M, PL_RU_F,
     25, CYR_RU, 1, BP_AIR, "mail.ru|yandex.ru|gmail.com|bk.ru"},
    {"IND", "India", 200, 50, "LDDDDDDD", "91", "9DDDDDDDDD", PL_IN_FAM, PL_IN_M, PL_IN_F,
     0, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.co.in|rediffmail.com"},
    {"IRN", "Iran", 60, 150, "LDDDDDDDD", "98", "9DDDDDDDDD", PL_IR_FAM, PL_IR_M, PL_IR_F,
     15, CYR_NONE, 1, BP_IRN, "gmail.com|yahoo.com"},
    {"CHN", "China", 50, 50, "EDDDDDDDD", "86", "13DDDDDDDDD", PL_CN_FAM, PL_CN_M, PL_CN_F,
     0, CYR_NONE, 1, BP_AIR, "163.com|qq.com"},
    {"SYR", "Syria", 40, 10, "NDDDDDDDD", "963", "9DDDDDDDD", PL_AR_FAM, PL_AR_M, PL_AR_F,
     40, CYR_NONE, 0, BP_AIR, "gmail.com|hotmail.com"},
    {"IRQ", "Iraq", 25, 20, "ADDDDDDDD", "964", "7DDDDDDDDD", PL_AR_FAM, PL_AR_M, PL_AR_F,
     20, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.com"},
    {"LBN", "Lebanon", 20, 15, "LRDDDDDDD", "961", "3DDDDDD", PL_AR_FAM, PL_AR_M, PL_AR_F,
     45, CYR_NONE, 1, BP_AIR, "gmail.com|hotmail.com"},
    {"UKR", "Ukraine", 30, 30, "LLDDDDDD", "380", "67DDDDDDD", PL_UA_FAM, PL_UA_M,
     PL_UA_F, 5, CYR_UA, 1, BP_AIR, "ukr.net|gmail.com|i.ua"},
    {"BLR", "Belarus", 20, 15, "MPDDDDDDD", "375", "29DDDDDDD", PL_RU_FAM, PL_RU_M,
     PL_RU_F, 3, CYR_RU, 1, BP_AIR, "tut.by|mail.ru|gmail.com"},
    {"GEO", "Georgia", 20, 100, "DDLLDDDDD", "995", "5DDDDDDDD", PL_GE_FAM, PL_GE_M,
     PL_GE_F, 25, CYR_NONE, 1, BP_GEO, "gmail.com|mail.ru"},
    {"TUR", "Turkey", 20, 10, "UDDDDDDDD", "90", "5DDDDDDDDD", PL_TR_FAM, PL_TR_M, PL_TR_F,
     0, CYR_NONE, 0, BP_GEO, "gmail.com|hotmail.com"},
    {"EGY", "Egypt", 15, 10, "ADDDDDDDD", "20", "10DDDDDDDD", PL_AR_FAM, PL_AR_M, PL_AR_F,
     3, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.com"},
    {"PAK", "Pakistan", 20, 5, "LLDDDDDDD", "92", "3DDDDDDDDD", PL_PK_FAM, PL_PK_M, PL_PK_F,
     0, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.com"},
    {"NPL", "Nepal", 20, 3, "PADDDDDDD", "977", "98DDDDDDDD", PL_NP_FAM, PL_NP_M, PL_NP_F,
     0, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.com"},
    {"BGD", "Bangladesh", 20, 3, "EBDDDDDDD", "880", "17DDDDDDDD", PL_BD_FAM, PL_BD_M,
     PL_BD_F, 0, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.com"},
    {"LKA", "Sri Lanka", 15, 5, "NDDDDDDD", "94", "7DDDDDDDD", PL_LK_FAM, PL_LK_M, PL_LK_F,
     0, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.com"},
    {"PHL", "Philippines", 12, 5, "PDDDDDDDL", "63", "9DDDDDDDDD", PL_PH_FAM, PL_PH_M,
     PL_PH_F, 0, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.com"},
    {"UZB", "Uzbekistan", 20, 10, "FADDDDDDD", "998", "9DDDDDDDD", PL_CA_FAM, PL_UZ_M,
     PL_UZ_F, 0, CYR_NONE, 1, BP_AIR, "mail.ru|gmail.com"},
    {"TJK", "Tajikistan", 10, 5, "DDDDDDDDD", "992", "9DDDDDDDD", PL_CA_FAM, PL_TJ_M,
     PL_TJ_F, 0, CYR_NONE, 1, BP_AIR, "mail.ru|gmail.com"},
    {"KGZ", "Kyrgyzstan", 10, 5, "ACDDDDDDD", "996", "7DDDDDDDD", PL_KG_FAM, PL_KG_M,
     PL_KG_F, 0, CYR_NONE, 1, BP_AIR, "mail.ru|gmail.com"},
    {"KAZ", "Kazakhstan", 8, 20, "NDDDDDDDD", "7", "7DDDDDDDDD", PL_KZ_FAM, PL_KZ_M,
     PL_KZ_F, 5, CYR_NONE, 1, BP_AIR, "mail.ru|gmail.com"},
    {"USA", "United States", 12, 60, "DDDDDDDDD", "1", "2DDDDDDDDD", PL_US_FAM, PL_US_M,
     PL_US_F, 40, CYR_NONE, 1, BP_AIR, "gmail.com|yahoo.com|outlook.com"},
    {"FRA", "France", 8, 40, "DDLLDDDDD", "33", "6DDDDDDDD", PL_FR_FAM, PL_FR_M, PL_FR_F,
     35, CYR_NONE, 1, BP_AIR, "gmail.com|orange.fr|free.fr"},
    {"ETH", "Ethiopia", 3, 2, "EPDDDDDDD", "251", "9DDDDDDDD", PL_ET_FAM, PL_ET_M, PL_ET_F,
     0, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.com"},
};

const occ_t synth_occs[NOCC] = {
    {"7112", "Bricklayer|Mason|Каменщик|bricklayer|Որմնադիր", 220000, 0},
    {"9313", "Construction worker|Labourer|General worker|Разнорабочий|Helper", 160000, 1},
    {"7115", "Carpenter|Плотник|Joiner", 230000, 0},
    {"7212", "Welder|Сварщик|Electric welder", 260000, 0},
    {"7114", "Concrete worker|Бетонщик|Concrete placer", 200000, 0},
    {"7126", "Plumber|Сантехник", 220000, 0},
    {"7411", "Electrician|Электрик", 250000, 1},
    {"3112", "Civil engineering technician|Site technician", 400000, 8},
    {"2142", "Civil engineer|Инженер-строитель|Site engineer", 550000, 10},
    {"8342", "Excavator operator|Machine operator|Экскаваторщик", 300000, 0},
    {"8332", "Truck driver|Heavy truck driver|Водитель грузовика", 280000, 1},
    {"8322", "Driver|Водитель|Car driver", 200000, 3},
    {"5131", "Waiter|Waitress|Официант|Մատուցող", 140000, 45},
    {"5120", "Cook|Повар|Խոհարար", 220000, 25},
    {"3434", "Chef|Head chef|Шеф-повар", 400000, 15},
    {"9412", "Kitchen helper|Dishwasher|Помощник повара", 110000, 30},
    {"5132", "Bartender|Barman|Бармен", 160000, 25},
    {"5151", "Housekeeping supervisor|Head housekeeper", 180000, 70},
    {"9112", "Cleaner|Уборщица|Housekeeping", 110000, 70},
    {"4224", "Receptionist|Front desk|Администратор", 180000, 60},
    {"9211", "Farm worker|Agricultural worker|Сельхозрабочий|Picker", 100000, 10},
    {"6111", "Field crop grower|Greenhouse worker", 130000, 10},
    {"6121", "Livestock worker|Herdsman|Животновод", 130000, 5},
    {"9111", "Housekeeper|Domestic worker|Maid|Домработница", 150000, 90},
    {"5311", "Nanny|Babysitter|Няня|Դայակ", 200000, 95},
    {"5322", "Caregiver|Home care worker|Сиделка", 180000, 85},
    {"2653", "Dancer|Artist-dancer|Танцовщица|Պարուհի", 250000, 85},
    {"2652", "Musician|Singer|Музыкант", 300000, 30},
    {"3435", "Performer|Show artist|Animator", 200000, 50},
    {"3422", "Coach|Sports instructor|Тренер", 300000, 20},
    {"2512", "Software developer|Software engineer|Backend developer|Программист", 1000000, 18},
    {"2514", "Applications programmer|Mobile developer|Frontend developer", 900000, 20},
    {"2511", "Systems analyst|Business analyst", 1100000, 30},
    {"2521", "Database designer|Data engineer|DBA", 900000, 15},
    {"3512", "IT support technician|Helpdesk specialist", 450000, 20},
    {"1330", "ICT manager|Engineering manager|CTO", 1500000, 15},
    {"5223", "Shop assistant|Sales assistant|Продавец|Վաճառող", 150000, 45},
    {"5230", "Cashier|Кассир", 140000, 60},
    {"1420", "Shop manager|Store manager", 400000, 25},
    {"7512", "Baker|Пекарь|Հացթուխ", 160000, 20},
    {"8160", "Food machine operator|Production operator", 170000, 25},
    {"9329", "Production worker|Factory worker|Packer", 130000, 35},
    {"2221", "Nurse|Медсестра|Բուժքույր", 300000, 85},
    {"2211", "Doctor|Physician|Врач", 700000, 45},
    {"2353", "Language teacher|English teacher|Teacher of French", 300000, 60},
    {"2310", "Lecturer|University teacher|Professor", 450000, 40},
    {"2341", "Primary school teacher|Teacher", 250000, 80},
    {"8111", "Miner|Горнорабочий|Underground miner", 350000, 0},
    {"4110", "Office clerk|Administrative assistant", 200000, 55},
    {"1120", "Director|Managing director|Генеральный директор", 1000000, 15},
    {"9333", "Loader|Warehouse worker|Грузчик", 140000, 3},
};

const sector_t synth_sectors[NSEC] = {
    {"41", {O_BRICKLAYER, O_LABOURER, O_CARPENTER, O_WELDER, O_CONCRETE, O_ELECTRICIAN,
            O_CIVILENG, O_PLANTOP}, {25, 30, 10, 8, 8, 6, 3, 4}, RP_DEFAULT,
     "Construction|Build|Stroy|Development|Engineering|Group"},
    {"42", {O_LABOURER, O_PLANTOP, O_WELDER, O_TRUCKDRV, O_CIVILENG, O_CIVILTECH,
            O_CONCRETE, O_ELECTRICIAN}, {30, 15, 10, 10, 5, 5, 10, 5}, RP_DEFAULT,
     "Road Construction|Infrastructure|Engineering|Bridge|Tunnel"},
    {"43", {O_PLUMBER, O_ELECTRICIAN, O_WELDER, O_CARPENTER, O_LABOURER, O_BRICKLAYER,
            O_CONCRETE, O_CIVILTECH}, {15, 20, 15, 10, 25, 15, 5, 3}, RP_DEFAULT,
     "Installations|Finishing|Renovation|Montage|Remont"},
    {"56", {O_WAITER, O_COOK, O_CHEF, O_KITCHENHELP, O_BARTENDER, O_CLEANER, O_DRIVER,
            O_CASHIER}, {30, 25, 8, 20, 8, 5, 2, 2}, RP_DEFAULT,
     "Restaurant|Cafe|Grill|Kitchen|Pizza|Tavern|Lounge|Doner"},
    {"55", {O_RECEPTION, O_CLEANER, O_WAITER, O_COOK, O_HOUSEKEEPSUP, O_KITCHENHELP,
            O_DRIVER, O_BARTENDER}, {20, 25, 15, 10, 10, 10, 5, 5}, RP_HOTEL,
     "Hotel|Resort|Guest House|Inn|Hostel"},
    {"01", {O_FARMLAB, O_GROWER, O_LIVESTOCK, O_TRUCKDRV, O_DRIVER, O_FARMLAB, O_FARMLAB,
            O_FARMLAB}, {60, 20, 10, 5, 5, 0, 0, 0}, RP_AGRI,
     "Agro|Farm|Greenhouse|Fruits|Garden|Vineyards"},
    {"97", {O_DOMESTIC, O_CHILDCARE, O_HOMECARE, O_DRIVER, O_DOMESTIC, O_DOMESTIC,
            O_DOMESTIC, O_DOMESTIC}, {50, 30, 17, 3, 0, 0, 0, 0}, RP_DEFAULT, "Household"},
    {"93", {O_DANCER, O_MUSICIAN, O_BARTENDER, O_ARTIST, O_COACH, O_WAITER, O_DANCER,
            O_DANCER}, {25, 25, 10, 15, 20, 5, 0, 0}, RP_DEFAULT,
     "Club|Show|Entertainment|Arena|Fitness|Events"},
    {"62", {O_SWDEV, O_APPPROG, O_SYSANALYST, O_DBDESIGN, O_ICTSUPPORT, O_ICTMGR, O_SWDEV,
            O_SWDEV}, {40, 25, 10, 8, 10, 5, 0, 0}, RP_IT,
     "Tech|Soft|Labs|Systems|Solutions|Digital|Data|AI"},
    {"47", {O_SALES, O_CASHIER, O_RETAILMGR, O_DRIVER, O_CLERK, O_FREIGHT, O_SALES,
            O_SALES}, {50, 20, 8, 8, 7, 7, 0, 0}, RP_DEFAULT,
     "Market|Trade|Store|Supermarket|Shop|Mall"},
    {"10", {O_BAKER, O_FOODOP, O_MANUFLAB, O_DRIVER, O_FREIGHT, O_BAKER, O_BAKER, O_BAKER},
     {30, 30, 28, 6, 6, 0, 0, 0}, RP_DEFAULT, "Food|Dairy|Bakery|Canning|Meat|Foods"},
    {"86", {O_NURSE, O_DOCTOR, O_HOMECARE, O_CLEANER, O_NURSE, O_NURSE, O_NURSE, O_NURSE},
     {50, 30, 15, 5, 0, 0, 0, 0}, RP_DEFAULT, "Medical Center|Clinic|Hospital|Dental"},
    {"85", {O_LANGTEACHER, O_UNITEACHER, O_PRIMTEACHER, O_CLERK, O_LANGTEACHER,
            O_LANGTEACHER, O_LANGTEACHER, O_LANGTEACHER}, {50, 28, 17, 5, 0, 0, 0, 0},
     RP_DEFAULT, "School|Academy|Education Center|University|Language Center"},
    {"49", {O_TRUCKDRV, O_DRIVER, O_FREIGHT, O_CLERK, O_TRUCKDRV, O_TRUCKDRV, O_TRUCKDRV,
            O_TRUCKDRV}, {55, 30, 10, 5, 0, 0, 0, 0}, RP_DEFAULT,
     "Logistics|Trans|Cargo|Transport|Express"},
    {"07", {O_MINER, O_PLANTOP, O_WELDER, O_TRUCKDRV, O_ELECTRICIAN, O_CIVILENG, O_MINER,
            O_MINER}, {60, 15, 8, 7, 5, 5, 0, 0}, RP_MINING,
     "Mining|Metals|Copper|Resources|Gold"},
    {"46", {O_CLERK, O_DRIVER, O_FREIGHT, O_DIRECTOR, O_SALES, O_CLERK, O_CLERK, O_CLERK},
     {30, 25, 30, 5, 10, 0, 0, 0}, RP_DEFAULT, "Import|Export|Trading|Distribution|Trade"},
};

/* Nationality-to-sector affinity (relative weights per nationality row). */
static const uint8_t nat_sector[NNAT][NSEC] = {
    /*        41  42  43  56  55  01  97  93  62  47  10  86  85  49  07  46 */
    /*RUS*/ {8, 1, 5, 8, 4, 1, 1, 3, 35, 10, 3, 4, 6, 3, 1, 8},
    /*IND*/ {30, 8, 12, 15, 5, 12, 1, 0, 3, 4, 8, 2, 1, 0, 0, 0},
    /*IRN*/ {8, 0, 2, 15, 5, 0, 0, 0, 5, 20, 8, 6, 4, 5, 0, 20},
    /*CHN*/ {30, 25, 10, 7, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 10, 10},
    /*SYR*/ {10, 0, 10, 30, 0, 0, 0, 0, 0, 20, 15, 5, 3, 0, 0, 7},
    /*IRQ*/ {15, 0, 0, 20, 5, 0, 0, 0, 0, 25, 10, 5, 0, 0, 0, 15},
    /*LBN*/ {0, 0, 0, 25, 10, 0, 0, 0, 10, 20, 0, 10, 10, 0, 0, 15},
    /*UKR*/ {10, 0, 10, 10, 5, 0, 1, 5, 35, 8, 0, 7, 8, 0, 0, 0},
    /*BLR*/ {15, 0, 10, 8, 0, 0, 0, 5, 35, 7, 0, 7, 8, 5, 0, 0},
    /*GEO*/ {20, 0, 0, 15, 10, 10, 0, 0, 0, 15, 0, 0, 0, 20, 0, 10},
    /*TUR*/ {40, 15, 15, 10, 0, 0, 0, 0, 0, 10, 10, 0, 0, 0, 0, 0},
    /*EGY*/ {20, 0, 0, 30, 15, 0, 0, 0, 0, 20, 15, 0, 0, 0, 0, 0},
    /*PAK*/ {40, 0, 15, 20, 0, 0, 0, 0, 0, 15, 10, 0, 0, 0, 0, 0},
    /*NPL*/ {35, 0, 10, 25, 15, 10, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0},
    /*BGD*/ {40, 0, 15, 15, 0, 10, 0, 0, 0, 5, 15, 0, 0, 0, 0, 0},
    /*LKA*/ {25, 0, 0, 20, 20, 10, 20, 0, 0, 0, 5, 0, 0, 0, 0, 0},
    /*PHL*/ {0, 0, 0, 10, 15, 0, 55, 0, 0, 0, 0, 10, 10, 0, 0, 0},
    /*UZB*/ {35, 0, 15, 10, 0, 25, 0, 0, 0, 0, 10, 0, 0, 5, 0, 0},
    /*TJK*/ {40, 0, 15, 0, 0, 30, 0, 0, 0, 0, 10, 0, 0, 5, 0, 0},
    /*KGZ*/ {30, 0, 10, 15, 0, 30, 0, 0, 0, 0, 10, 0, 0, 5, 0, 0},
    /*KAZ*/ {20, 0, 0, 0, 0, 0, 0, 0, 25, 15, 0, 0, 0, 20, 0, 20},
    /*USA*/ {0, 0, 0, 5, 0, 0, 0, 10, 25, 0, 0, 10, 40, 0, 0, 10},
    /*FRA*/ {0, 0, 0, 15, 10, 0, 0, 10, 20, 0, 0, 10, 35, 0, 0, 0},
    /*ETH*/ {0, 0, 0, 20, 20, 0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0},
};

const char *const synth_region_code[NREG] = {"AM-ER", "AM-AG", "AM-AR", "AM-AV", "AM-GR",
                                              "AM-KT", "AM-LO", "AM-SH", "AM-SU", "AM-TV",
                                              "AM-VD"};

static const uint16_t region_w[][NREG] = {
    /* ER  AG  AR  AV  GR  KT  LO  SH  SU  TV  VD */
    {660, 25, 55, 45, 28, 75, 38, 42, 35, 18, 10}, /* default */
    {0, 100, 350, 300, 70, 80, 30, 50, 0, 20, 0},   /* agriculture */
    {0, 0, 0, 0, 0, 0, 250, 0, 750, 0, 0},          /* mining */
    {950, 0, 0, 0, 0, 0, 20, 30, 0, 0, 0},          /* IT */
    {500, 0, 0, 0, 70, 150, 20, 30, 20, 100, 80},   /* hotels */
};

const town_t synth_towns[] = {
    {"Yerevan|Erevan", "Ереван", "Երևան", R_ER, 0},
    {"Abovyan", "Абовян", "Աբովյան", R_KT, 0},
    {"Hrazdan|Razdan", "Раздан", "Հրազդան", R_KT, 0},
    {"Charentsavan", "Чаренцаван", "Չարենցավան", R_KT, 0},
    {"Tsaghkadzor|Tsakhkadzor", "Цахкадзор", "Ծաղկաձոր", R_KT, 0},
    {"Artashat", "Арташат", "Արտաշատ", R_AR, 0},
    {"Masis", "Масис", "Մասիս", R_AR, 0},
    {"Aygavan|Aigavan", "Айгаван", "Այգավան", R_AR, 1},
    {"Dalar", "Далар", "Դալար", R_AR, 1},
    {"Vagharshapat|Ejmiatsin|Echmiadzin", "Вагаршапат", "Վաղարշապատ", R_AV, 0},
    {"Armavir", "Армавир", "Արմավիր", R_AV, 0},
    {"Musaler", "Мусалер", "Մուսալեռ", R_AV, 1},
    {"Aknalich", "Акналич", "Ակնալիճ", R_AV, 1},
    {"Gyumri|Giumri", "Гюмри", "Գյումրի", R_SH, 0},
    {"Artik", "Артик", "Արթիկ", R_SH, 0},
    {"Vanadzor", "Ванадзор", "Վանաձոր", R_LO, 0},
    {"Alaverdi", "Алаверди", "Ալավերդի", R_LO, 0},
    {"Kapan|Ghapan", "Капан", "Կապան", R_SU, 0},
    {"Goris", "Горис", "Գորիս", R_SU, 0},
    {"Kajaran|Kadjaran", "Каджаран", "Քաջարան", R_SU, 0},
    {"Gavar", "Гавар", "Գավառ", R_GR, 0},
    {"Sevan", "Севан", "Սևան", R_GR, 0},
    {"Ashtarak", "Аштарак", "Աշտարակ", R_AG, 0},
    {"Aparan", "Апаран", "Ապարան", R_AG, 1},
    {"Ijevan", "Иджеван", "Իջևան", R_TV, 0},
    {"Dilijan", "Дилижан", "Դիլիջան", R_TV, 0},
    {"Yeghegnadzor|Egegnadzor", "Ехегнадзор", "Եղեգնաձոր", R_VD, 0},
    {"Jermuk", "Джермук", "Ջերմուկ", R_VD, 0},
};
_Static_assert(NELEM(synth_towns) == NTOWN, "NTOWN in synth_int.h");

const street_t synth_yerevan_streets[] = {
    {"Komitas", "Комитаса", "Կոմիտասի", 'A'},
    {"Mashtots", "Маштоца", "Մաշտոցի", 'A'},
    {"Tigran Mets", "Тиграна Меца", "Տիգրան Մեծի", 'A'},
    {"Baghramyan", "Баграмяна", "Բաղրամյան", 'A'},
    {"Arshakunyats", "Аршакуняц", "Արշակունյաց", 'A'},
    {"Tumanyan", "Туманяна", "Թումանյան", 'S'},
    {"Abovyan", "Абовяна", "Աբովյան", 'S'},
    {"Sayat-Nova", "Саят-Новы", "Սայաթ-Նովայի", 'A'},
    {"Isahakyan", "Исаакяна", "Իսահակյան", 'S'},
    {"Pushkin", "Пушкина", "Պուշկինի", 'S'},
    {"Nalbandyan", "Налбандяна", "Նալբանդյան", 'S'},
    {"Amiryan", "Амиряна", "Ամիրյան", 'S'},
    {"Teryan", "Теряна", "Տերյան", 'S'},
    {"Charents", "Чаренца", "Չարենցի", 'S'},
    {"Sebastia", "Себастии", "Սեբաստիայի", 'S'},
    {"Artsakh", "Арцаха", "Արցախի", 'A'},
    {"Halabyan", "Алабяна", "Հալաբյան", 'S'},
    {"Babajanyan", "Бабаджаняна", "Բաբաջանյան", 'S'},
    {"Kievyan", "Киевяна", "Կիևյան", 'S'},
    {"Vagharshyan", "Вагаршяна", "Վաղարշյան", 'S'},
    {"Azatutyan", "Азатутян", "Ազատության", 'A'},
    {"Davit Anhaght", "Давида Анахта", "Դավիթ Անհաղթի", 'S'},
    {"Raffi", "Раффи", "Րաֆֆու", 'S'},
    {"Margaryan", "Маргаряна", "Մարգարյան", 'S'},
    {"Hovsep Emin", "Овсепа Эмина", "Հովսեփ Էմինի", 'S'},
    {"Acharyan", "Ачаряна", "Աճառյան", 'S'},
    {"Gai", "Гая", "Գայի", 'A'},
    {"Erebuni", "Эребуни", "Էրեբունի", 'S'},
    {"Rubinyants", "Рубинянц", "Ռուբինյանց", 'S'},
    {"Shirak", "Ширака", "Շիրակի", 'S'},
    {"Vazgen Sargsyan", "Вазгена Саргсяна", "Վազգեն Սարգսյան", 'S'},
    {"Khanjyan", "Ханджяна", "Խանջյան", 'S'},
    {"Koryun", "Корюна", "Կորյունի", 'S'},
    {"Aram", "Арама", "Արամի", 'S'},
    {"Buzand", "Бузанда", "Բուզանդի", 'S'},
    {"Moskovyan", "Московяна", "Մոսկովյան", 'S'},
    {"Hrachya Kochar", "Грачья Кочара", "Հրաչյա Քոչարի", 'S'},
    {"Leningradyan", "Ленинградяна", "Լենինգրադյան", 'S'},
    {"Shinararneri", "Шинарарнери", "Շինարարների", 'S'},
    {"Nansen", "Нансена", "Նանսենի", 'S'},
    {"Admiral Isakov", "Адмирала Исакова", "Ադմիրալ Իսակովի", 'A'},
    {"Andranik", "Андраника", "Անդրանիկի", 'S'},
    {"Garegin Nzhdeh", "Гарегина Нжде", "Գարեգին Նժդեհի", 'S'},
    {"Myasnikyan", "Мясникяна", "Մյասնիկյան", 'A'},
};
_Static_assert(NELEM(synth_yerevan_streets) == NYSTREET, "NYSTREET in synth_int.h");

const street_t synth_town_streets[] = {
    {"Mashtots", "Маштоца", "Մաշտոցի", 'A'},
    {"Tumanyan", "Туманяна", "Թումանյան", 'S'},
    {"Abovyan", "Абовяна", "Աբովյան", 'S'},
    {"Charents", "Чаренца", "Չարենցի", 'S'},
    {"Isahakyan", "Исаакяна", "Իսահակյան", 'S'},
    {"Garegin Nzhdeh", "Гарегина Нжде", "Գարեգին Նժդեհի", 'S'},
    {"Baghramyan", "Баграмяна", "Բաղրամյան", 'S'},
    {"Shahumyan", "Шаумяна", "Շահումյան", 'S'},
    {"Myasnikyan", "Мясникяна", "Մյասնիկյան", 'S'},
    {"Sayat-Nova", "Саят-Новы", "Սայաթ-Նովայի", 'S'},
    {"Andranik", "Андраника", "Անդրանիկի", 'S'},
    {"Komitas", "Комитаса", "Կոմիտասի", 'S'},
    {"Yerevanyan", "Ереванская", "Երևանյան", 'S'},
    {"Gortsaranayin", "Горцаранаин", "Գործարանային", 'S'},
};
_Static_assert(NELEM(synth_town_streets) == NTSTREET, "NTSTREET in synth_int.h");

const street_t *synth_place_street(const place_t *p)
{
    if (p->town == 0)
        return &synth_yerevan_streets[p->street % NYSTREET];
    return &synth_town_streets[p->street % NTSTREET];
}

const char *const synth_unit_typology[NUNITKIND] = {
    "", "debt_bondage", "sexual_exploitation", "domestic_servitude", "shell_employer",
    "seasonal_agriculture", "dormitory", "it_long_hours", "couple_shared_phone",
    "family_restaurant", "live_in_nanny", "large_agency"};

static uint64_t perm_apply(const perm_t *p, uint64_t x)
{
    uint64_t mask = ((uint64_t)1 << p->half) - 1;
    x %= p->m;
    do {
        uint64_t L = x >> p->half, R = x & mask;
        int i;
        for (i = 0; i < 4; i++) {
            uint64_t f = (R ^ p->key[i]) * 0x9e3779b97f4a7c15ULL;
            uint64_t nl = R;
            f ^= f >> 29;
            R = (L ^ f) & mask;
            L = nl;
        }
        x = (L << p->half) | R;
    } while (x >= p->m);
    return x;
}

static void perm_init(perm_t *p, rng_t *r, uint64_t m)
{
    unsigned bits = 2;
    int i;
    while (((uint64_t)1 << bits) < m)
        bits++;
    if (bits & 1)
        bits++;
    p->m = m;
    p->half = bits / 2;
    for (i = 0; i < 4; i++)
        p->key[i] = rng_u64(r);
}

static uint32_t pick_w32(rng_t *r, const uint32_t *w, size_t n)
{
    uint64_t total = 0, x;
    size_t i;
    for (i = 0; i < n; i++)
        total += w[i];
    if (total == 0)
        return 0;
    x = rng_u64(r) % total;
    for (i = 0; i < n; i++) {
        if (x < w[i])
            return (uint32_t)i;
        x -= w[i];
    }
    return 0;
}

/* ---- identifiers -------------------------------------------------------------- */

int synth_day_index(const ctx_t *c, int32_t day)
{
    int i = (int)(day - c->d0);
    return i < 0 ? 0 : i >= NDAYS ? NDAYS - 1 : i;
}

int synth_year_index(int32_t day)
{
    int i = year_of(day) - 2020;
    return i < 0 ? 0 : i >= NYEARS ? NYEARS - 1 : i;
}

/* "WP20230415-00042": submission day and a per-day counter. */
void synth_new_app_id(ctx_t *c, int32_t day, char out[24])
{
    sb_t s;
    sb_init(&s, out, 24);
    sb_adds(&s, "WP");
    {
        int y, m, d;
        civil_from_days(day, &y, &m, &d);
        sb_addu(&s, (uint64_t)y, 4);
        sb_addu(&s, (uint64_t)m, 2);
        sb_addu(&s, (uint64_t)d, 2);
    }
    sb_addc(&s, '-');
    sb_addu(&s, ++c->app_ctr[synth_day_index(c, day)], 5);
}

static void new_tin(ctx_t *c, char out[12])
{
    sb_t s;
    sb_init(&s, out, 12);
    sb_addu(&s, perm_apply(&c->tin_map, c->tin_ctr++), 8);
}

uint32_t synth_new_account(ctx_t *c)
{
    return (uint32_t)perm_apply(&c->acct_map, c->acct_ctr++);
}

void synth_sb_account(sb_t *s, uint32_t acct)
{
    sb_addc(s, 'U');
    sb_addu(s, acct, 7);
}

/* Canonical passport number from the nationality's pattern. */
static void new_doc(ctx_t *c, rng_t *r, int nat, char out[20])
{
    const char *f = synth_nats[nat].docfmt;
    char digits[24];
    int nd = 0, i, k = 0;
    uint64_t v;
    sb_t s, ds;
    for (i = 0; f[i]; i++)
        nd += f[i] == 'D';
    v = perm_apply(&c->doc_map[nat], c->doc_ctr[nat]++);
    sb_init(&ds, digits, sizeof(digits));
    sb_addu(&ds, v, nd);
    sb_init(&s, out, 20);
    for (i = 0; f[i]; i++) {
        if (f[i] == 'D')
            sb_addc(&s, digits[k++]);
        else if (f[i] == 'L')
            sb_addc(&s, (char)('A' + rng_below(r, 26)));
        else
            sb_addc(&s, f[i]);
    }
}

static const char *const am_ops[] = {"91", "93", "94", "95", "96", "97", "98", "99",
                                     "41", "43", "44", "55", "77", "33"};

/* An Armenian mobile number, unique per call; style 0 is E.164. */
void synth_new_am_phone(ctx_t *c, rng_t *r, int style, char *out, size_t cap)
{
    uint64_t v = perm_apply(&c->amph_map, c->amph_ctr++);
    const char *op = am_ops[v / 1000000];
    uint64_t six = v % 1000000;
    unsigned a = (unsigned)(six / 10000), b = (unsigned)(six / 100 % 100),
             d = (unsigned)(six % 100);
    sb_t s;
    sb_init(&s, out, cap);
    (void)r;
    switch (style) {
    case 1: /* 091 23 45 67 */
        sb_addc(&s, '0');
        sb_adds(&s, op);
        sb_addc(&s, ' ');
        sb_addu(&s, a, 2);
        sb_addc(&s, ' ');
        sb_addu(&s, b, 2);
        sb_addc(&s, ' ');
        sb_addu(&s, d, 2);
        break;
    case 2: /* (091) 234-567 */
        sb_adds(&s, "(0");
        sb_adds(&s, op);
        sb_adds(&s, ") ");
        sb_addu(&s, six / 1000, 3);
        sb_addc(&s, '-');
        sb_addu(&s, six % 1000, 3);
        break;
    case 3: /* 374 91 234567 */
        sb_adds(&s, "374 ");
        sb_adds(&s, op);
        sb_addc(&s, ' ');
        sb_addu(&s, six, 6);
        break;
    case 4: /* 0037491234567 */
        sb_adds(&s, "00374");
        sb_adds(&s, op);
        sb_addu(&s, six, 6);
        break;
    case 5: /* 091234567 */
        sb_addc(&s, '0');
        sb_adds(&s, op);
        sb_addu(&s, six, 6);
        break;
    case 6: /* +374 91 23-45-67 */
        sb_adds(&s, "+374 ");
        sb_adds(&s, op);
        sb_addc(&s, ' ');
        sb_addu(&s, a, 2);
        sb_addc(&s, '-');
        sb_addu(&s, b, 2);
        sb_addc(&s, '-');
        sb_addu(&s, d, 2);
        break;
    case 7: /* 91234567 */
        sb_adds(&s, op);
        sb_addu(&s, six, 6);
        break;
    case 8: /* 091-23-45-67 */
        sb_addc(&s, '0');
        sb_adds(&s, op);
        sb_addc(&s, '-');
        sb_addu(&s, a, 2);
        sb_addc(&s, '-');
        sb_addu(&s, b, 2);
        sb_addc(&s, '-');
        sb_addu(&s, d, 2);
        break;
    default: /* +37491234567 */
        sb_adds(&s, "+374");
        sb_adds(&s, op);
        sb_addu(&s, six, 6);
        break;
    }
}

/* A home-country mobile number: "+91 98xxxxxxxx" and friends. */
void synth_new_foreign_phone(ctx_t *c, rng_t *r, int nat, char *out, size_t cap)
{
    const char *pat = synth_nats[nat].mobile;
    char digits[24];
    int nd = 0, i, k = 0, style = (int)rng_below(r, 10);
    uint64_t v;
    sb_t s, ds;
    for (i = 0; pat[i]; i++)
        nd += pat[i] == 'D';
    v = perm_apply(&c->fph_map[nat], c->fph_ctr[nat]++);
    sb_init(&ds, digits, sizeof(digits));
    sb_addu(&ds, v, nd);
    sb_init(&s, out, cap);
    sb_adds(&s, style < 2 ? "00" : "+");
    sb_adds(&s, synth_nats[nat].cc);
    if (style >= 6)
        sb_addc(&s, ' ');
    for (i = 0; pat[i]; i++)
        sb_addc(&s, pat[i] == 'D' ? digits[k++] : pat[i]);
}

static void ascii_lower_letters(const char *x, sb_t *s)
{
    for (; *x; x++) {
        char ch = *x;
        if (ch >= 'A' && ch <= 'Z')
            sb_addc(s, (char)(ch - 'A' + 'a'));
        else if (ch >= 'a' && ch <= 'z')
            sb_addc(s, ch);
    }
}

void synth_make_email(rng_t *r, const person_t *w, char *out, size_t cap)
{
    char fam[TXT], giv[TXT];
    sb_t s, f, g;
    int style = (int)rng_below(r, 4);
    sb_init(&f, fam, sizeof(fam));
    sb_init(&g, giv, sizeof(giv));
    synth_name_passport(w, 1, &f);
    synth_name_passport(w, 0, &g);
    sb_init(&s, out, cap);
    ascii_lower_letters(giv, &s);
    if (s.n == 0)
        sb_adds(&s, "user");
    sb_addc(&s, style == 0 ? '_' : '.');
    ascii_lower_letters(fam, &s);
    if (style >= 2)
        sb_addu(&s, (uint64_t)(year_of(w->birth) % 100), 2);
    if (rng_chance(r, 0.002)) {
        /* malformed on purpose: a warning for the importer, never a reject */
        sb_adds(&s, rng_chance(r, 0.5) ? "@gmail" : " at gmail.com");
        return;
    }
    sb_addc(&s, '@');
    synth_sb_part(&s, synth_nats[w->nat].mail, rng_below(r, 4));
}

/* ---- people ------------------------------------------------------------------ */

static const char *pick_name(rng_t *r, int pool)
{
    return synth_pools[pool].v[rng_below(r, synth_pools[pool].n)];
}

/* A new person of nationality `nat`, sex 'F'/'M', aged age_lo..age_hi at
 * day `ref`. Phone, e-mail and residence are left for the caller. */
void synth_person_new(ctx_t *c, rng_t *r, person_t *w, int nat, char sex, int age_lo,
                      int age_hi, int32_t ref)
{
    const nat_t *n = &synth_nats[nat];
    int arm = rng_chance(r, n->arm_pct / 100.0);
    int fam_pool = arm ? PL_ARM_FAM : n->fam;
    int giv_pool = arm ? (sex == 'F' ? PL_ARM_F : PL_ARM_M) : (sex == 'F' ? n->female : n->male);
    const char *p;
    size_t len;
    int has_cyr, has_arm;
    double u;

    memset(w, 0, sizeof(*w));
    w->nat = (uint8_t)nat;
    w->sex = sex;
    if (rng_chance(r, 0.0005))
        w->sex = 'X';
    w->fam = pick_name(r, fam_pool);
    w->giv = pick_name(r, giv_pool);
    w->fam_gendered = synth_pools[fam_pool].gendered;
    synth_entry_seg(w->fam, 0, &p, &len);
    w->fam_var = (uint8_t)(rng_chance(r, 0.35) ? rng_below(r, count_parts(p, len)) : 0);
    w->pfam_var = (uint8_t)(rng_chance(r, 0.25) ? rng_below(r, count_parts(p, len)) : 0);
    synth_entry_seg(w->giv, 0, &p, &len);
    w->giv_var = (uint8_t)(rng_chance(r, 0.35) ? rng_below(r, count_parts(p, len)) : 0);
    w->pgiv_var = (uint8_t)(rng_chance(r, 0.25) ? rng_below(r, count_parts(p, len)) : 0);
    synth_entry_seg(w->fam, 1, &p, &len);
    has_cyr = len > 0;
    synth_entry_seg(w->fam, 2, &p, &len);
    has_arm = len > 0;
    u = rng_unit(r);
    if (n->cyr != CYR_NONE && has_cyr)
        w->script = u < 0.40 ? SCR_LATIN : u < 0.65 ? SCR_CYR : u < 0.87 ? SCR_MRZ_TITLE
                  : u < 0.93 ? SCR_MRZ_CAPS : (has_arm ? SCR_ARM : SCR_CYR);
    else if (has_cyr && u < 0.08)
        w->script = SCR_CYR; /* Central Asian names typed in Russian */
    else
        w->script = u < 0.35 ? SCR_LATIN : u < 0.80 ? SCR_MRZ_TITLE : u < 0.90 ? SCR_MRZ_CAPS
                  : (has_arm ? SCR_ARM : SCR_LATIN);
    u = rng_unit(r);
    w->docstyle = (uint8_t)(u < 0.88 ? 0 : u < 0.91 ? 1 : u < 0.95 ? 2 : u < 0.97 ? 3 : 4);
    w->birth = ref - (int32_t)(rng_int(r, age_lo, age_hi) * 365);
    w->birth -= (int32_t)rng_below(r, 365);
    new_doc(c, r, nat, w->doc);
    w->home_region = -1;
    w->pid = ++c->person_ctr; /* no draw: the streams stay as they were */
}

/* A new passport for the same person: a new number, sometimes typed in
 * another style. */
static void renew_passport(ctx_t *c, rng_t *r, person_t *w)
{
    new_doc(c, r, w->nat, w->doc);
    if (rng_chance(r, 0.3))
        w->docstyle = (uint8_t)rng_below(r, 5);
}

/* Own phone (or none) and e-mail for a background person. */
void synth_person_contacts(ctx_t *c, rng_t *r, person_t *w, double p_phone)
{
    if (rng_chance(r, p_phone)) {
        if (rng_chance(r, 0.13))
            synth_new_foreign_phone(c, r, w->nat, w->phone, sizeof(w->phone));
        else
            synth_new_am_phone(c, r, (int)pick_w(r, synth_am_phone_style_w, 9), w->phone,
                               sizeof(w->phone));
        if (rng_chance(r, 0.0005))
            snprintf(w->phone, sizeof(w->phone), "23-45-6%u", rng_below(r, 10));
    }
    if (rng_chance(r, 0.3))
        synth_make_email(r, w, w->email, sizeof(w->email));
}

void synth_place_random(rng_t *r, place_t *p, int town, int flat)
{
    memset(p, 0, sizeof(*p));
    p->town = (uint8_t)town;
    if (synth_towns[town].village) {
        p->street = (uint8_t)rng_int(r, 1, 12);
        p->house = (uint16_t)rng_int(r, 1, 90);
        return;
    }
    p->street = (uint8_t)rng_below(r, town == 0 ? NYSTREET : NTSTREET);
    p->house = (uint16_t)rng_int(r, 1, town == 0 ? 160 : 90);
    if (flat) {
        p->unit = UNIT_APT;
        p->flat = (uint16_t)rng_int(r, 1, town == 0 ? 140 : 60);
    }
}

int synth_town_in_region(rng_t *r, int region, int allow_village)
{
    int idx[NELEM(synth_towns)], n = 0, i;
    for (i = 0; i < NTOWN; i++)
        if (synth_towns[i].region == region && (allow_village || !synth_towns[i].village))
            idx[n++] = i;
    if (n == 0)
        return 0;
    return idx[rng_below(r, (uint32_t)n)];
}

/* Residence as written, and its region. */
void synth_person_home(rng_t *r, person_t *w, const place_t *p, int style)
{
    sb_t s;
    sb_init(&s, w->home, sizeof(w->home));
    synth_render_place(p, style, r, &s);
    w->home_region = synth_towns[p->town % NTOWN].region;
}

/* ---- employers ---------------------------------------------------------------- */

static const char *const name_roots =
    "Ararat|Masis|Nairi|Hayk|Sevan|Aragats|Van|Urartu|Araks|Erebuni|Garni|Tigran|"
    "Zangezur|Shant|Ani|Narek|Arev|Armenia|Yerevan|Euro|Mega|Best|Golden|Silk Road|Grand|"
    "Global|Prime|City|Royal|Green|New Line|Alfa|Vega|Orion|Elite|Smart|Star|Comfort|Eco|"
    "Noy|Dvin|Artsakh|Lori|Tsitsernak|Arpa|Azatamart|Kilikia|Hrazdan|Zvartnots";

void synth_make_company_name(rng_t *r, const char *words, char *out, size_t cap)
{
    char root[48], word[48];
    const char *p;
    size_t n;
    sb_t s, t;
    unsigned form = pick_w(r, (const uint16_t[]){55, 12, 10, 6, 5, 5, 4, 3}, 8);

    sb_init(&t, root, sizeof(root));
    synth_sb_part(&t, name_roots, rng_below(r, 64));
    part_of(words, strlen(words), rng_below(r, 16), &p, &n);
    if (n >= sizeof(word))
        n = sizeof(word) - 1;
    memcpy(word, p, n);
    word[n] = '\0';
    sb_init(&s, out, cap);
    switch (form) {
    case 1:
        sb_addc(&s, '"');
        sb_adds(&s, root);
        sb_addc(&s, ' ');
        sb_adds(&s, word);
        sb_adds(&s, "\" LLC");
        break;
    case 2:
        sb_adds(&s, root);
        sb_addc(&s, ' ');
        sb_adds(&s, word);
        sb_adds(&s, " CJSC");
        break;
    case 3:
        sb_adds(&s, "«");
        sb_adds(&s, root);
        sb_addc(&s, ' ');
        sb_adds(&s, word);
        sb_adds(&s, "» ՍՊԸ");
        break;
    case 4:
        synth_sb_upper_ascii(&s, root);
        sb_addc(&s, ' ');
        synth_sb_upper_ascii(&s, word);
        sb_adds(&s, " LLC");
        break;
    case 5:
        sb_adds(&s, root);
        sb_addc(&s, '-');
        sb_adds(&s, word);
        sb_adds(&s, " Ltd");
        break;
    case 6:
        sb_adds(&s, root);
        sb_adds(&s, ", ");
        sb_adds(&s, word);
        sb_adds(&s, " & Partners LLC");
        break;
    case 7:
        sb_adds(&s, "ООО «");
        sb_adds(&s, root);
        sb_addc(&s, ' ');
        sb_adds(&s, word);
        sb_adds(&s, "»");
        break;
    default:
        sb_adds(&s, root);
        sb_addc(&s, ' ');
        sb_adds(&s, word);
        sb_adds(&s, " LLC");
        break;
    }
}

/* A private person as employer (households): "Armen Petrosyan". */
static void make_household_name(rng_t *r, char *out, size_t cap)
{
    const char *g = pick_name(r, rng_chance(r, 0.6) ? PL_ARM_M : PL_ARM_F);
    const char *f = pick_name(r, PL_ARM_FAM), *p;
    size_t n;
    sb_t s;
    int arm = rng_chance(r, 0.25);
    sb_init(&s, out, cap);
    synth_entry_seg(g, arm ? 2 : 0, &p, &n);
    part_of(p, n, 0, &p, &n);
    sb_add(&s, p, n);
    sb_addc(&s, ' ');
    synth_entry_seg(f, arm ? 2 : 0, &p, &n);
    part_of(p, n, 0, &p, &n);
    sb_add(&s, p, n);
    if (!arm && rng_chance(r, 0.2))
        sb_adds(&s, " (individual)");
}

static int pick_region(rng_t *r, int profile)
{
    return (int)pick_w(r, region_w[profile], NREG);
}

/* Fills a new employer of `sector` registered on `registered` (0: unknown). */
void synth_employer_new(ctx_t *c, rng_t *r, employer_t *e, int sector, int32_t registered)
{
    int region, town;
    memset(e, 0, sizeof(*e));
    e->sector = (uint8_t)sector;
    new_tin(c, e->tin);
    e->account = synth_new_account(c);
    e->seed = (uint32_t)rng_u64(r);
    e->agency = -1;
    e->registered = registered;
    e->wage_pm = (uint16_t)(1000.0 * det_exp(0.15 * rng_normal(r)));
    e->wp_style = (uint8_t)(rng_chance(r, 0.7) ? AS_EN_SHORT : synth_pick_style(r));
    region = pick_region(r, synth_sectors[sector].region_profile);
    town = region == R_ER ? 0 : synth_town_in_region(r, region, sector == S01);
    if (sector == S97) {
        e->flags |= EF_HOUSEHOLD;
        make_household_name(r, e->name, sizeof(e->name));
        synth_place_random(r, &e->place, town, rng_chance(r, 0.7));
        e->declared = rng_chance(r, 0.6) ? 1 : 0;
        if (rng_chance(r, 0.6))
            e->registered = 0;
    } else {
        synth_make_company_name(r, synth_sectors[sector].words, e->name, sizeof(e->name));
        synth_place_random(r, &e->place, town, 0);
        if (rng_chance(r, 0.3)) {
            e->place.unit = UNIT_OFFICE;
            e->place.flat = (uint16_t)rng_int(r, 1, 60);
        }
    }
}

/* The workplace as this row writes it: usually the employer's own spelling. */
void synth_sb_workplace(const employer_t *e, rng_t *r, sb_t *s)
{
    rng_t fixed;
    if (rng_chance(r, 0.85)) {
        rng_init(&fixed, e->seed, 7);
        synth_render_place(&e->place, e->wp_style, &fixed, s);
    } else {
        synth_render_place(&e->place, synth_pick_style(r), r, s);
    }
}

/* ---- shared helpers for the generators ---------------------------------------- */

static uint32_t pick_w8(rng_t *r, const uint8_t *w, size_t n)
{
    uint16_t w16[16];
    size_t i;
    for (i = 0; i < n && i < 16; i++)
        w16[i] = w[i];
    return pick_w(r, w16, n);
}

int synth_pick_occ(rng_t *r, int sector)
{
    return synth_sectors[sector].occ[pick_w8(r, synth_sectors[sector].occw, 8)];
}

static int pick_nat_for_sector(ctx_t *c, rng_t *r, int sector)
{
    return (int)pick_w32(r, c->nat_given_sec[sector], NNAT);
}

/* Nationality from a short list of (nationality, weight) pairs. */
int synth_pick_nat_list(rng_t *r, const int *list, const uint16_t *w, size_t n)
{
    return list[pick_w(r, w, n)];
}

/* A day in [lo, d_end] following the growth of the register over the years. */
int32_t synth_pick_day(ctx_t *c, rng_t *r, int32_t lo)
{
    static const uint16_t yw[4] = {21, 24, 27, 28};
    int i;
    if (lo < c->d_start)
        lo = c->d_start;
    if (lo > c->d_end)
        lo = c->d_end;
    for (i = 0; i < 8; i++) {
        int y = 2022 + (int)pick_w(r, yw, 4);
        int32_t a = days_from_civil(y, 1, 1), b = days_from_civil(y, 12, 31);
        int32_t d = a + (int32_t)rng_below(r, (uint32_t)(b - a + 1));
        if (d >= lo)
            return d;
    }
    return lo + (int32_t)rng_below(r, (uint32_t)(c->d_end - lo + 1));
}

int32_t synth_day_between(rng_t *r, int32_t lo, int32_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int32_t)rng_below(r, (uint32_t)(hi - lo + 1));
}

int synth_age_background(rng_t *r)
{
    int a = (int)rng_below(r, 18);
    return 20 + a + (int)rng_below(r, 18);
}

char synth_sex_for(rng_t *r, int occ)
{
    return rng_chance(r, synth_occs[occ].female_pct / 100.0) ? 'F' : 'M';
}

static const char *const agency_words =
    "Recruitment|Manpower Services|Staffing|Employment Agency|Overseas Consultants|"
    "Travel & Jobs|HR Solutions|Global Workforce|Job Center|Personnel";

void synth_agency_new(ctx_t *c, rng_t *r, agency_t *a)
{
    char root[48];
    sb_t s;
    memset(a, 0, sizeof(*a));
    new_tin(c, a->id);
    a->account = synth_new_account(c);
    sb_init(&s, root, sizeof(root));
    synth_sb_part(&s, name_roots, rng_below(r, 64));
    sb_init(&s, a->name, sizeof(a->name));
    sb_adds(&s, root);
    sb_addc(&s, ' ');
    synth_sb_part(&s, agency_words, rng_below(r, 16));
    if (rng_chance(r, 0.7))
        sb_adds(&s, " LLC");
    synth_new_am_phone(c, r, 0, a->phone, sizeof(a->phone));
}

static const struct {
    const char *text;
    int8_t cat;
} bg_summaries[] = {
    {"Caller asks whether a foreigner may work while the permit is being renewed.", -1},
    {"Neighbour reports several foreigners living in a basement; no details given.", 5},
    {"Worker says the salary is paid late, does not want to name the employer.", 0},
    {"Anonymous: foreign workers on a construction site without helmets.", 5},
    {"Relative abroad could not reach a worker for two weeks; later found, no problem.", 5},
    {"Complaint about unpaid overtime at @.", 0},
    {"Question about permit renewal, referred to the Migration and Citizenship Service.", -1},
    {"Неоплата сверхурочных, работник просит совета.", 0},
    {"Աշխատողը բողոքում է աշխատավարձի ուշացումից։", 0},
    {"Employer @ allegedly kept a passport \"for safety\"; the worker got it back the same day.",
     0},
    {"Woman asks for help to return home; no signs of exploitation found.", 5},
    {"Dispute over the last month's pay, resolved after a call from the inspectorate.", 0},
    {"Caller reports a car repair shop employing foreigners, maybe without permits.", 5},
    {"Student asks whether a part-time job in a cafe needs a work permit.", -1},
    {"Child seen selling flowers at night near a restaurant; could not be found later.", 3},
    {"Nanny says the family shouts at her; she has her passport and a day off.", 2},
    {"", -1},
};

static int bg_category(rng_t *r, int hint)
{
    double u = rng_unit(r);
    if (hint < 0)
        return u < 0.7 ? CAT_NONE : CAT_OTHER;
    return u < 0.6 ? hint : u < 0.85 ? CAT_NONE : CAT_OTHER;
}

static const char *bg_violation(rng_t *r)
{
    double u = rng_unit(r);
    return u < 0.62 ? "" : u < 0.72 ? "no_contract" : u < 0.80 ? "excessive_hours"
           : u < 0.88 ? "other" : u < 0.92 ? "unsafe_housing" : u < 0.96 ? "wage_arrears"
           : u < 0.98 ? "no_contract;excessive_hours" : u < 0.995 ? "wage_arrears;no_contract"
           : "documents_withheld";
}

/* ---- background employer ------------------------------------------------------- */

void synth_gen_background(ctx_t *c, const unit_t *u)
{
    employer_t *e = &c->emp[u->emp];
    rng_t r;
    uint32_t left = u->quota;
    int32_t first = e->registered ? e->registered + 30 : c->d_start;
    place_t shared;
    char shared_str[TXT];
    int shared_left = 0, have_last = 0;
    person_t w, last;
    int32_t last_sub = c->d_start;
    char key[48];

    rng_init(&r, c->seed, u->no);
    memset(&shared, 0, sizeof(shared));
    shared_str[0] = '\0';
    if (first < c->d_start)
        first = c->d_start;
    if (first > c->d_end - 60)
        first = c->d_end - 60;
    while (left > 0 && c->err == TW_OK) {
        int nat = rng_chance(&r, 0.55) ? e->dom_nat : pick_nat_for_sector(c, &r, e->sector);
        int occ = synth_pick_occ(&r, e->sector);
        int32_t sub = synth_pick_day(c, &r, first);
        const employer_t *cur = e;
        const agency_t *ag = NULL;
        char prev[24] = "";
        bstate_t bs = {0, 0, 0};
        uint32_t salary;
        int hours, months = rng_chance(&r, 0.93) ? 12 : 6;
        int age = synth_age_background(&r);

        synth_person_new(c, &r, &w, nat, synth_sex_for(&r, occ), age, age, sub);
        synth_person_contacts(c, &r, &w, 0.72);
        if ((e->flags & EF_HOUSEHOLD) && rng_chance(&r, 0.15)) {
            synth_person_home(&r, &w, &e->place, synth_pick_style(&r)); /* a live-in nanny */
        } else if (rng_chance(&r, 0.88)) {
            if (shared_left > 0 && rng_chance(&r, 0.5)) {
                synth_spell_again(&r, &shared, shared_str, 0.7, w.home, sizeof(w.home));
                w.home_region = synth_towns[shared.town].region;
                shared_left--;
            } else {
                place_t p;
                int town = rng_chance(&r, 0.8) ? e->place.town : 0;
                if (synth_towns[town].village && rng_chance(&r, 0.5))
                    town = 0;
                synth_place_random(&r, &p, town, town == 0 ? 1 : rng_chance(&r, 0.6));
                synth_person_home(&r, &w, &p, synth_pick_style(&r));
                if (rng_chance(&r, 0.12)) {
                    shared = p;
                    snprintf(shared_str, sizeof(shared_str), "%s", w.home);
                    shared_left = rng_int(&r, 1, 3);
                }
            }
        }
        salary = synth_wage_for(c, &r, occ, e, sub);
        hours = synth_hours_background(&r, e->sector);
        if (e->agency >= 0 && rng_below(&r, 100) < e->agency_pct)
            ag = &c->ag[e->agency];

        while (left > 0 && c->err == TW_OK) {
            app_t a;
            int renew, transfer;
            int32_t next_sub;

            memset(&a, 0, sizeof(a));
            a.w = &w;
            a.e = cur;
            a.ag = ag;
            a.occ = occ;
            a.salary = salary;
            a.hours = hours;
            a.sub = sub;
            a.months = months;
            a.prev = prev;
            a.want = -1;
            a.agency_submits = ag && rng_chance(&r, 0.7);
            a.role = ROLE_BG;
            synth_emit_app(c, &r, &a);
            left--;
            if (a.sub > last_sub)
                last_sub = a.sub;
            if (a.dec == D_APPROVED && rng_chance(&r, 0.015))
                renew_passport(c, &r, &w); /* from now on the border sees the new one */
            renew = a.dec == D_APPROVED && left > 0 && rng_chance(&r, 0.5);
            next_sub = a.vto - (int32_t)rng_int(&r, 10, 60);
            transfer = renew && rng_chance(&r, 0.12);
            if (transfer && rng_chance(&r, 0.2))
                next_sub = a.vfrom + (int32_t)rng_int(&r, 30, 100); /* a quick move */
            if (next_sub > c->d_end - 5 || next_sub <= a.sub)
                renew = 0;
            synth_border_background(c, &r, &w, &bs, &a, !renew, ROLE_BG);
            if (!renew) {
                if (a.dec == D_REJECTED && left > 0 && rng_chance(&r, 0.3) &&
                    a.dec_day + 60 < c->d_end) {
                    sub = a.dec_day + (int32_t)rng_int(&r, 10, 50); /* tries again */
                    prev[0] = '\0';
                    continue;
                }
                break;
            }
            snprintf(prev, sizeof(prev), "%s", a.id);
            if (rng_chance(&r, 0.06))
                renew_passport(c, &r, &w); /* the renewal is made with a new passport */
            if (transfer && c->sec_count[e->sector] > 1) {
                uint32_t idx = c->sec_first[e->sector] + rng_below(&r, c->sec_count[e->sector]);
                if (&c->emp[idx] != cur) {
                    cur = &c->emp[idx];
                    salary = synth_wage_for(c, &r, occ, cur, next_sub);
                    ag = NULL;
                }
            } else {
                salary = (uint32_t)((uint64_t)salary * (1000 + rng_below(&r, 120)) / 1000 / 1000 *
                                    1000);
            }
            sub = next_sub;
            if (rng_chance(&r, 0.1))
                synth_person_contacts(c, &r, &w, 0.8);
            if (rng_chance(&r, 0.15) && w.home[0]) {
                place_t p;
                synth_place_random(&r, &p, rng_chance(&r, 0.8) ? cur->place.town : 0, 1);
                synth_person_home(&r, &w, &p, synth_pick_style(&r));
            }
        }
        if (!(e->flags & EF_NOLABEL) && rng_chance(&r, 0.0015)) {
            synth_worker_key(&w, key, sizeof(key));
            synth_emit_outcome(c, &r, "worker", key, 0, synth_day_between(&r, sub, c->d_end), ROLE_BG);
        }
        last = w;
        have_last = 1;
    }
    if (c->err != TW_OK)
        return;
    {
        double p = (e->flags & EF_HOUSEHOLD) ? 0.005 : 0.04 + 0.004 * u->quota;
        int k, n = u->quota > 60 ? 3 : u->quota > 25 ? 2 : 1;
        if (p > 0.7)
            p = 0.7;
        for (k = 0; k < n; k++) {
            if (rng_chance(&r, p)) {
                int found = (int)rng_below(&r, u->quota / 3 + 2);
                int32_t day = synth_day_between(&r, first + 60, c->d_end);
                int undeclared = rng_chance(&r, 0.9) ? 0 : rng_int(&r, 1, 3);
                synth_emit_inspection(c, &r, e, day, found, undeclared, bg_violation(&r), ROLE_BG);
            }
        }
    }
    {
        double p = (e->flags & EF_HOUSEHOLD) ? 0.01 : 0.006 * u->quota;
        if (p > 0.6)
            p = 0.6;
        if (have_last && rng_chance(&r, p)) {
            static const uint16_t chw[7] = {40, 22, 10, 12, 5, 6, 5};
            report_t rp;
            char addr[TXT];
            sb_t s;
            person_t stranger;
            unsigned si = rng_below(&r, NELEM(bg_summaries));
            memset(&rp, 0, sizeof(rp));
            rp.day = synth_day_between(&r, first + 30, c->d_end);
            rp.channel = (int)pick_w(&r, chw, 7);
            rp.category = bg_category(&r, bg_summaries[si].cat);
            {
                double us = rng_unit(&r);
                if (us < 0.5) {
                    rp.subject = &last;
                } else if (us < 0.65) { /* someone the permit register does not know */
                    int age = synth_age_background(&r);
                    int nat = pick_nat_for_sector(c, &r, e->sector);
                    char sx = rng_chance(&r, 0.5) ? 'F' : 'M';
                    synth_person_new(c, &r, &stranger, nat, sx, age, age, rp.day);
                    rp.subject = &stranger;
                }
            }
            rp.e = rng_chance(&r, 0.75) ? e : NULL;
            rp.with_tin = rng_chance(&r, 0.5);
            if (rng_chance(&r, 0.3)) {
                sb_init(&s, addr, sizeof(addr));
                synth_sb_workplace(e, &r, &s);
                rp.address = addr;
            }
            rp.phone = (rng_chance(&r, 0.3) && last.phone[0]) ? last.phone : NULL;
            rp.summary = bg_summaries[si].text;
            rp.role = ROLE_BG;
            synth_emit_report(c, &r, &rp);
        }
    }
    if (rng_chance(&r, 0.0025 * u->quota)) {
        /* a call about nothing in particular: no employer, sometimes a phone */
        static const uint16_t chw[7] = {60, 15, 5, 0, 5, 10, 5};
        report_t rp;
        person_t stranger;
        char ph[40];
        unsigned si = rng_below(&r, NELEM(bg_summaries));
        memset(&rp, 0, sizeof(rp));
        rp.day = synth_day_between(&r, c->d_start, c->d_end);
        rp.channel = (int)pick_w(&r, chw, 7);
        rp.category = bg_category(&r, bg_summaries[si].cat);
        if (rng_chance(&r, 0.4)) {
            synth_new_am_phone(c, &r, (int)pick_w(&r, synth_am_phone_style_w, 9), ph, sizeof(ph));
            rp.phone = ph;
        }
        if (rng_chance(&r, 0.3)) { /* about someone with no permit at all */
            int age = synth_age_background(&r);
            int nat = (int)pick_w32(&r, c->tourist_w, NNAT);
            char sx = rng_chance(&r, 0.6) ? 'F' : 'M';
            synth_person_new(c, &r, &stranger, nat, sx, age, age, rp.day);
            rp.subject = &stranger;
        }
        rp.summary = bg_summaries[si].text;
        rp.role = ROLE_BG;
        synth_emit_report(c, &r, &rp);
    }
    if (!(e->flags & EF_NOLABEL) && rng_chance(&r, 0.006))
        synth_emit_outcome(c, &r, "employer", e->tin, 0, synth_day_between(&r, last_sub, c->d_end), ROLE_BG);
}

/* ---- planning: pools and units ------------------------------------------------------ */

void synth_init_tables(ctx_t *c)
{
    rng_t r;
    int n, s;
    rng_init(&r, c->seed, 1);
    c->d0 = days_from_civil(2021, 1, 1);
    c->d_start = days_from_civil(2022, 1, 1);
    c->d_end = days_from_civil(2025, 12, 31);
    c->d_border0 = days_from_civil(2021, 6, 1);
    perm_init(&c->tin_map, &r, 100000000ULL);
    perm_init(&c->acct_map, &r, 10000000ULL);
    perm_init(&c->amph_map, &r, 1000000ULL * NELEM(am_ops));
    for (n = 0; n < NNAT; n++) {
        uint64_t m = 1;
        const char *p;
        for (p = synth_nats[n].docfmt; *p; p++)
            if (*p == 'D')
                m *= 10;
        perm_init(&c->doc_map[n], &r, m);
        m = 1;
        for (p = synth_nats[n].mobile; *p; p++)
            if (*p == 'D')
                m *= 10;
        perm_init(&c->fph_map[n], &r, m);
        c->tourist_w[n] = synth_nats[n].tourist;
    }
    /* The world's background shares: the table's per mille (scale 10000), or
     * the nationality mix in units of 1/100000 (scale 100), same magnitude. */
    c->nat_scale = 10000;
    for (n = 0; n < NNAT; n++)
        c->nat_share[n] = synth_nats[n].share;
    {
        double sum = 0;
        for (n = 0; n < NNAT; n++)
            sum += c->world.nat_weight[n];
        if (sum > 0) {
            c->nat_scale = 100;
            for (n = 0; n < NNAT; n++)
                c->nat_share[n] = (uint32_t)(c->world.nat_weight[n] / sum * 100000.0 + 0.5);
        }
    }
    /* P(nationality | sector) from the national shares and each row's affinity */
    for (n = 0; n < NNAT; n++) {
        uint32_t rowsum = 0;
        for (s = 0; s < NSEC; s++)
            rowsum += nat_sector[n][s];
        for (s = 0; s < NSEC; s++)
            c->nat_given_sec[s][n] =
                rowsum ? (uint32_t)(c->nat_scale * c->nat_share[n] * nat_sector[n][s] / rowsum)
                       : 0;
    }
}

/* Pareto weight with tail index `tail` (1.15 in the default world), capped
 * at `cap`. */
static double heavy_weight(rng_t *r, double cap, double tail)
{
    double u = 1.0 - rng_unit(r);
    double w = det_exp(-det_log(u) / tail);
    return w > cap ? cap : w;
}

/* Background sectors whose employers often hire through an agency. */
static int agency_sector(uint32_t s)
{
    return s == S41 || s == S42 || s == S43 || s == S56 || s == S55 || s == S01 || s == S10;
}

/* Expected share of background rows through an agency when the chance that
 * an employer uses one is multiplied by k (pct scaled up once it is 1). */
static double agency_expect(const uint64_t *budget, uint64_t bg, double k)
{
    double tot = 0;
    uint32_t s;
    for (s = 0; s < NSEC; s++) {
        double p = (agency_sector(s) ? 0.25 : 0.05) * k, m = p > 1 ? p : 1, e = 0;
        int pct;
        if (s == S97 || budget[s] == 0)
            continue;
        for (pct = 40; pct <= 90; pct++)
            e += (double)pct * m > 100 ? 100 : (double)pct * m;
        tot += (double)budget[s] * (p > 1 ? 1 : p) * (e / 51.0 / 100.0);
    }
    return bg ? tot / (double)bg : 0;
}

/* The multiplier k that gives the world's intermediary share (bisection on
 * agency_expect; no random draws); 1 in the default world. */
static double agency_factor(const ctx_t *c, const uint64_t *budget, uint64_t bg)
{
    double lo = 0, hi = 400;
    int i;
    if (c->world.intermediary_share < 0)
        return 1.0;
    for (i = 0; i < 100; i++) {
        double mid = (lo + hi) / 2;
        if (agency_expect(budget, bg, mid) < c->world.intermediary_share)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

tw_err_t synth_build_pool(ctx_t *c, rng_t *r, uint64_t bg)
{
    uint64_t mass[NSEC], total = 0, budget[NSEC], assigned = 0;
    uint64_t est = bg / 8 + 64, nemp = 0; /* ~bg/10 are needed */
    uint32_t s, i, big;
    int n;
    double kag;

    for (s = 0; s < NSEC; s++) {
        mass[s] = 0;
        for (n = 0; n < NNAT; n++)
            mass[s] += c->nat_given_sec[s][n];
        total += mass[s];
    }
    for (s = 0; s < NSEC; s++) {
        budget[s] = bg * mass[s] / total;
        assigned += budget[s];
    }
    for (s = 0; assigned < bg; s = (s + 1) % NSEC)
        if (mass[s]) {
            budget[s]++;
            assigned++;
        }

    kag = agency_factor(c, budget, bg);
    if (c->world.apps_per_employer != 11.5) { /* room for smaller employers */
        double per = c->world.apps_per_employer * 0.9;
        est = (uint64_t)((double)bg / (per < 8 ? per : 8)) + 64;
    }
    c->nag = (uint32_t)(bg / 700 + 4);
    c->ag = calloc(c->nag, sizeof(*c->ag));
    c->emp = calloc((size_t)est, sizeof(*c->emp));
    c->units = calloc((size_t)(est + 2 * (bg / 1000 + 64) + c->extra_units), sizeof(*c->units));
    if (!c->ag || !c->emp || !c->units)
        return tw_errinfo_set(c->ei, TW_ENOMEM, "synth: out of memory for the employer pool");
    for (i = 0; i < c->nag; i++)
        synth_agency_new(c, r, &c->ag[i]);
    big = 0; /* the large legitimate agency (a look-alike) */

    for (s = 0; s < NSEC; s++) {
        uint64_t b = budget[s], ne, k;
        double *w = NULL, wsum = 0;
        c->sec_first[s] = (uint32_t)nemp;
        if (b == 0)
            continue;
        if (s == S97) {
            while (b > 0 && nemp < est) {
                employer_t *e = &c->emp[nemp];
                uint32_t q = (b > 1 && rng_chance(r, 0.3)) ? 2 : 1;
                if (nemp + 1 == est)
                    q = (uint32_t)b; /* never reached: est has room to spare */
                synth_employer_new(c, r, e, (int)s, 0);
                e->dom_nat = (uint8_t)pick_nat_for_sector(c, r, (int)s);
                c->units[c->nunits].kind = U_BG;
                c->units[c->nunits].emp = (int32_t)nemp;
                c->units[c->nunits].quota = q;
                c->nunits++;
                nemp++;
                b -= q;
            }
            c->sec_count[s] = (uint32_t)nemp - c->sec_first[s];
            continue;
        }
        if (c->world.apps_per_employer == 11.5)
            ne = (b * 10 + 57) / 115;
        else
            ne = (uint64_t)((double)b / c->world.apps_per_employer + 0.5);
        if (ne < 1)
            ne = 1;
        if (ne > b)
            ne = b;
        if (nemp + ne > est)
            ne = est - nemp;
        if (ne == 0)
            return tw_errinfo_set(c->ei, TW_EINTERNAL, "synth: employer pool too small");
        w = malloc((size_t)ne * sizeof(*w));
        if (!w)
            return tw_errinfo_set(c->ei, TW_ENOMEM, "synth: out of memory for the employer pool");
        for (k = 0; k < ne; k++) { /* the cap grows with the sector: big firms exist */
            w[k] = heavy_weight(r, 50.0 + (double)ne / 10.0, c->world.employer_tail);
            wsum += w[k];
        }
        assigned = 0;
        for (k = 0; k < ne; k++) {
            unit_t *u = &c->units[c->nunits + k];
            u->kind = U_BG;
            u->emp = (int32_t)(nemp + k);
            u->quota = (uint32_t)(1 + (double)(b - ne) * w[k] / wsum);
            assigned += u->quota;
        }
        while (assigned > b) { /* rounding never overshoots, but be safe */
            unit_t *u = &c->units[c->nunits + rng_below(r, (uint32_t)ne)];
            if (u->quota > 1) {
                u->quota--;
                assigned--;
            }
        }
        while (assigned < b) {
            c->units[c->nunits + rng_below(r, (uint32_t)ne)].quota++;
            assigned++;
        }
        for (k = 0; k < ne; k++) {
            unit_t *u = &c->units[c->nunits + k];
            employer_t *e = &c->emp[nemp + k];
            uint32_t active = u->quota / 3 + 1;
            int32_t reg;
            if (u->quota > 20 || rng_chance(r, 0.8))
                reg = days_from_civil(1995, 1, 1) +
                      (int32_t)rng_below(r, (uint32_t)(c->d_start - days_from_civil(1995, 1, 1)));
            else
                reg = c->d_start + (int32_t)rng_below(r, (uint32_t)(c->d_end - c->d_start - 240));
            synth_employer_new(c, r, e, (int)s, reg);
            e->dom_nat = (uint8_t)pick_nat_for_sector(c, r, (int)s);
            if (rng_chance(r, 0.05)) { /* an outdated, too small headcount */
                e->declared = active / 2 + 1;
            } else {
                e->declared = active * (uint32_t)rng_int(r, 2, 10);
                e->declared += rng_below(r, 11);
            }
            if (rng_chance(r, (agency_sector(s) ? 0.25 : 0.05) * kag)) {
                double pk = (agency_sector(s) ? 0.25 : 0.05) * kag;
                int pct;
                if (rng_chance(r, 0.35)) {
                    e->agency = (int32_t)big;
                } else { /* a few agencies are busy, most are small */
                    double x = rng_unit(r);
                    e->agency = (int32_t)(1 + (uint32_t)((double)(c->nag - 1) * x * x));
                }
                pct = rng_int(r, 40, 90);
                if (pk > 1) /* every employer has one: more of their workers use it */
                    pct = (double)pct * pk >= 100 ? 100 : (int)((double)pct * pk + 0.5);
                e->agency_pct = (uint8_t)pct;
            }
        }
        free(w);
        c->nunits += (uint32_t)ne;
        nemp += ne;
        c->sec_count[s] = (uint32_t)nemp - c->sec_first[s];
    }
    c->nemp = (uint32_t)nemp;
    return TW_OK;
}

/* Unrelated travellers: tourists, visitors, people in transit. */
void synth_gen_tourists(ctx_t *c, rng_t *r, uint64_t trips)
{
    uint64_t t;
    for (t = 0; t < trips && c->err == TW_OK; t++) {
        person_t w;
        bstate_t bs = {0, 0, 0};
        int nat = (int)pick_w32(r, c->tourist_w, NNAT), k, nk = rng_chance(r, 0.1) ? 2 : 1;
        int32_t d = synth_day_between(r, c->d_border0, c->d_end);
        int age = rng_int(r, 18, 75);
        static const char *const purposes =
            "tourism|tourism|tourism|private|private|transit|study|";
        synth_person_new(c, r, &w, nat, rng_chance(r, 0.5) ? 'F' : 'M', age, age, d);
        for (k = 0; k < nk; k++) {
            char purpose[16];
            sb_t s;
            int pt = synth_pick_point(r, nat);
            sb_init(&s, purpose, sizeof(purpose));
            synth_sb_part(&s, purposes, rng_below(r, 8));
            synth_cross(c, r, &w, &bs, d, -1, 1, pt, purpose, ROLE_BG);
            synth_cross(c, r, &w, &bs, d + (int32_t)rng_int(r, 2, 21), -1, 0, pt, "",
                        ROLE_BG);
            d += (int32_t)rng_int(r, 60, 400);
        }
    }
}
