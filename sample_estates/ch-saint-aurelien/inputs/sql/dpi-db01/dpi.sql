--
-- PostgreSQL database dump
--

-- Dumped from database version 16.2
-- Dumped by pg_dump version 16.2

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: patient; Type: TABLE; Schema: public; Owner: dpi
--

CREATE TABLE public.patient (
    id_patient integer NOT NULL,
    ipp character varying(20) NOT NULL,
    ins_nir character varying(15),
    oid_ins character varying(32),
    nom_naissance character varying(80) NOT NULL,
    nom_usage character varying(80),
    prenom character varying(80),
    date_naissance date,
    sexe character(1),
    adresse text,
    telephone character varying(20)
);


ALTER TABLE public.patient OWNER TO dpi;

--
-- Name: sejour; Type: TABLE; Schema: public; Owner: dpi
--

CREATE TABLE public.sejour (
    id_sejour integer NOT NULL,
    nda character varying(20) NOT NULL,
    id_patient integer NOT NULL,
    date_entree timestamp without time zone,
    date_sortie timestamp without time zone,
    mode_entree character varying(8),
    uf_responsable character varying(12)
);


ALTER TABLE public.sejour OWNER TO dpi;

--
-- Name: mouvement; Type: TABLE; Schema: public; Owner: dpi
--

CREATE TABLE public.mouvement (
    id_mouvement integer NOT NULL,
    id_sejour integer NOT NULL,
    uf character varying(12),
    lit character varying(12),
    debut timestamp without time zone
);


ALTER TABLE public.mouvement OWNER TO dpi;

--
-- Name: diagnostic; Type: TABLE; Schema: public; Owner: dpi
--

CREATE TABLE public.diagnostic (
    id_diagnostic integer NOT NULL,
    id_sejour integer NOT NULL,
    cim10 character varying(8),
    type_diag character varying(4),
    praticien_id character varying(11)
);


ALTER TABLE public.diagnostic OWNER TO dpi;

--
-- Name: prescription; Type: TABLE; Schema: public; Owner: dpi
--

CREATE TABLE public.prescription (
    id_prescription integer NOT NULL,
    id_sejour integer NOT NULL,
    medicament character varying(120),
    posologie character varying(120),
    date_prescription timestamp without time zone,
    praticien_id character varying(11)
);


ALTER TABLE public.prescription OWNER TO dpi;

--
-- Name: document; Type: TABLE; Schema: public; Owner: dpi
--

CREATE TABLE public.document (
    id_document integer NOT NULL,
    id_sejour integer NOT NULL,
    type_document character varying(20),
    titre character varying(200),
    compte_rendu text,
    date_document timestamp without time zone
);


ALTER TABLE public.document OWNER TO dpi;

--
-- Data for Name: patient; Type: TABLE DATA; Schema: public; Owner: dpi
--

COPY public.patient (id_patient, ipp, ins_nir, oid_ins, nom_naissance, nom_usage, prenom, date_naissance, sexe, adresse, telephone) FROM stdin;
1	900001	284057511234528	1.2.250.1.213.1.4.8	QUIMBERTEAU	\N	Aldegonde	1984-05-12	F	3 rue des Tilleuls  Saint-Aurélien  45999 FRA	0689134950
2	900002	251022A01504811	1.2.250.1.213.1.4.8	VASQUELLON	\N	Zéphyrine	1951-02-23	F	3 rue des Tilleuls  Saint-Aurélien  45999 FRA	0654951219
3	900003	167093305500981	1.2.250.1.213.1.4.8	TRÉMOUILLAC	TRÉMOUILLAC	Anatole	1967-09-30	M	3 rue des Tilleuls  Saint-Aurélien  45999 FRA	0646267083
4	900004	219074512300192	1.2.250.1.213.1.4.8	BAZOUGEARD	\N	Héloïse	2019-07-04	F	3 rue des Tilleuls  Saint-Aurélien  45999 FRA	0695493648
5	900005	142012B03300219	1.2.250.1.213.1.4.8	ROUZAUD-FLÉCHIÈRE	ROUZAUD-FLÉCHIÈRE	Barnabé	1942-01-18	M	3 rue des Tilleuls  Saint-Aurélien  45999 FRA	0622060474
6	910000	\N	\N	MOREAU	MOREAU	Camille	1983-08-21	M	\N	0675235380
7	910001	\N	\N	THOMAS	THOMAS	Chloé	2011-05-22	F	\N	0656241820
8	910002	\N	\N	RICHARD	RICHARD	Camille	1961-06-01	M	\N	0630405241
9	910003	\N	\N	DUBOIS	DUBOIS	Pierre	1969-03-07	M	\N	0643014621
10	910004	\N	\N	RICHARD	RICHARD	Hugo	2022-01-05	F	\N	0656675968
11	910005	\N	\N	THOMAS	THOMAS	Emma	1954-08-28	F	\N	0656813128
12	910006	\N	\N	SIMON	SIMON	Léa	1954-04-25	F	\N	0649166032
13	910007	\N	\N	GARCIA	GARCIA	Chloé	1978-10-26	M	\N	0624836061
14	910008	\N	\N	ROUX	ROUX	Pierre	1960-09-22	M	\N	0675903638
15	910009	\N	\N	ROBERT	ROBERT	Pierre	1960-02-06	M	\N	0616384614
16	910010	\N	\N	DAVID	DAVID	Arthur	1956-07-09	F	\N	0670871980
17	910011	\N	\N	PETIT	PETIT	Lucas	1948-01-23	M	\N	0684432706
18	910012	\N	\N	PETIT	PETIT	Manon	2021-09-13	M	\N	0638115202
19	910013	\N	\N	ROBERT	ROBERT	Louis	2021-05-19	M	\N	0632374481
20	910014	\N	\N	ROUX	ROUX	Nathalie	1998-06-22	M	\N	0619412752
21	910015	\N	\N	DAVID	DAVID	Louis	1980-10-23	F	\N	0650335798
22	910016	\N	\N	MICHEL	MICHEL	Camille	1950-11-18	F	\N	0634339048
23	910017	\N	\N	SIMON	SIMON	Gabriel	1974-11-03	M	\N	0687919528
24	910018	\N	\N	ROUX	ROUX	Louis	1935-04-16	F	\N	0646081586
25	910019	\N	\N	SIMON	SIMON	Pierre	2017-08-23	F	\N	0699873903
26	910020	\N	\N	BERNARD	BERNARD	Louis	1972-04-01	F	\N	0652770436
27	910021	\N	\N	BERTRAND	BERTRAND	Léa	1950-06-20	F	\N	0694367119
28	910022	\N	\N	LEFEBVRE	LEFEBVRE	Chloé	1939-02-28	M	\N	0649807299
29	910023	\N	\N	DAVID	DAVID	Nathalie	1935-07-11	M	\N	0695296301
30	910024	\N	\N	BERNARD	BERNARD	Hugo	1969-07-12	M	\N	0643050837
31	910025	\N	\N	THOMAS	THOMAS	Jean	2002-10-12	F	\N	0696887731
32	910026	\N	\N	DUBOIS	DUBOIS	Pierre	2000-04-18	F	\N	0692845466
33	910027	\N	\N	ROUX	ROUX	Julie	2019-05-09	M	\N	0659074329
34	910028	\N	\N	DURAND	DURAND	Gabriel	1986-09-12	F	\N	0657662871
35	910029	\N	\N	ROBERT	ROBERT	Nathalie	1976-02-05	M	\N	0695115258
36	910030	\N	\N	THOMAS	THOMAS	Louis	1943-05-14	M	\N	0649448868
37	910031	\N	\N	LEROY	LEROY	Chloé	1993-01-24	M	\N	0674962004
38	910032	\N	\N	BERNARD	BERNARD	Chloé	2024-09-03	M	\N	0691340156
39	910033	\N	\N	ROBERT	ROBERT	Paul	1962-01-05	F	\N	0650796944
40	910034	\N	\N	LEROY	LEROY	Marie	2002-08-22	M	\N	0611647721
\.


--
-- Data for Name: sejour; Type: TABLE DATA; Schema: public; Owner: dpi
--

COPY public.sejour (id_sejour, nda, id_patient, date_entree, date_sortie, mode_entree, uf_responsable) FROM stdin;
1	260300451	1	2026-02-08 09:54:00	\N	URG	URG
2	260300452	2	2026-02-03 18:36:00	\N	URG	URG
3	260300453	3	2026-02-12 06:13:00	2026-03-04 11:00:00	DOM	URG
4	260300454	4	2026-02-26 13:10:00	\N	MUT	URG
5	260300455	5	2026-02-25 16:20:00	\N	URG	URG
6	260310000	6	2026-02-03 08:12:00	2026-03-07 11:00:00	MUT	ORTHO
7	260310001	7	2026-02-03 16:46:00	\N	DOM	URG
8	260310002	8	2026-02-08 08:32:00	\N	DOM	MATER
9	260310003	9	2026-02-04 20:13:00	2026-03-02 11:00:00	MUT	MED-INT
10	260310004	10	2026-02-24 16:11:00	\N	URG	ORTHO
11	260310005	11	2026-02-11 23:45:00	\N	URG	CHIR-VISC
12	260310006	12	2026-02-14 10:01:00	2026-03-05 11:00:00	MUT	MATER
13	260310007	13	2026-02-21 07:25:00	\N	DOM	PNEUMO
14	260310008	14	2026-02-19 04:02:00	\N	URG	REA
15	260310009	15	2026-02-24 12:13:00	2026-03-08 11:00:00	URG	PEDIA
16	260310010	16	2026-02-18 16:31:00	\N	URG	CHIR-VISC
17	260310011	17	2026-02-21 05:27:00	\N	URG	PNEUMO
18	260310012	18	2026-02-25 22:30:00	2026-03-03 11:00:00	DOM	CARDIO
19	260310013	19	2026-02-04 21:35:00	\N	URG	MATER
20	260310014	20	2026-02-24 21:26:00	\N	URG	PEDIA
21	260310015	21	2026-02-15 19:04:00	2026-03-06 11:00:00	MUT	REA
22	260310016	22	2026-02-21 11:28:00	\N	URG	ORTHO
23	260310017	23	2026-02-24 20:28:00	\N	DOM	MATER
24	260310018	24	2026-02-02 02:35:00	2026-03-01 11:00:00	DOM	CARDIO
25	260310019	25	2026-02-22 23:58:00	\N	MUT	MED-INT
26	260310020	26	2026-02-16 04:45:00	\N	URG	REA
27	260310021	27	2026-02-25 04:45:00	2026-03-04 11:00:00	MUT	URG
28	260310022	28	2026-02-06 19:10:00	\N	URG	ORTHO
29	260310023	29	2026-02-11 07:10:00	\N	MUT	PEDIA
30	260310024	30	2026-02-08 03:14:00	2026-03-07 11:00:00	DOM	PEDIA
31	260310025	31	2026-02-12 10:18:00	\N	MUT	REA
32	260310026	32	2026-02-23 04:42:00	\N	MUT	REA
33	260310027	33	2026-02-17 06:52:00	2026-03-02 11:00:00	MUT	URG
34	260310028	34	2026-02-09 07:11:00	\N	URG	URG
35	260310029	35	2026-02-19 13:26:00	\N	URG	MED-INT
36	260310030	36	2026-02-15 21:29:00	2026-03-05 11:00:00	MUT	MED-INT
37	260310031	37	2026-02-02 16:21:00	\N	MUT	PNEUMO
38	260310032	38	2026-02-14 09:48:00	\N	DOM	MATER
39	260310033	39	2026-02-23 09:49:00	2026-03-08 11:00:00	DOM	REA
40	260310034	40	2026-02-13 21:34:00	\N	URG	REA
\.


--
-- Data for Name: mouvement; Type: TABLE DATA; Schema: public; Owner: dpi
--

COPY public.mouvement (id_mouvement, id_sejour, uf, lit, debut) FROM stdin;
1	1	PNEUMO	316A	2026-02-08 01:00:00
2	1	REA	133A	2026-02-08 04:00:00
3	2	MATER	334A	2026-02-03 03:00:00
4	2	MATER	207A	2026-02-03 15:00:00
5	3	PEDIA	306A	2026-02-12 09:00:00
6	3	REA	112A	2026-02-12 08:00:00
7	4	URG	313A	2026-02-26 08:00:00
8	4	URG	115A	2026-02-26 21:00:00
9	5	ORTHO	140A	2026-02-25 11:00:00
10	5	REA	126A	2026-02-25 00:00:00
11	6	REA	437A	2026-02-03 09:00:00
12	6	ORTHO	114A	2026-02-03 19:00:00
13	7	ORTHO	111A	2026-02-03 23:00:00
14	7	MED-INT	132A	2026-02-03 13:00:00
15	8	MED-INT	429A	2026-02-08 18:00:00
16	8	CARDIO	111A	2026-02-08 02:00:00
17	9	PEDIA	117A	2026-02-04 16:00:00
18	9	URG	115A	2026-02-04 20:00:00
19	10	MATER	120A	2026-02-24 17:00:00
20	10	CHIR-VISC	102A	2026-02-24 14:00:00
21	11	MED-INT	302A	2026-02-11 22:00:00
22	11	CARDIO	114A	2026-02-11 11:00:00
23	12	CHIR-VISC	304A	2026-02-14 01:00:00
24	12	CHIR-VISC	412A	2026-02-14 00:00:00
25	13	CHIR-VISC	218A	2026-02-21 02:00:00
26	13	PNEUMO	136A	2026-02-21 15:00:00
27	14	PNEUMO	434A	2026-02-19 12:00:00
28	14	CARDIO	117A	2026-02-19 12:00:00
29	15	MED-INT	403A	2026-02-24 12:00:00
30	15	PEDIA	234A	2026-02-24 05:00:00
31	16	PNEUMO	426A	2026-02-18 08:00:00
32	16	PNEUMO	438A	2026-02-18 23:00:00
33	17	PEDIA	331A	2026-02-21 01:00:00
34	17	MED-INT	239A	2026-02-21 07:00:00
35	18	PNEUMO	227A	2026-02-25 01:00:00
36	18	URG	313A	2026-02-25 03:00:00
37	19	CARDIO	201A	2026-02-04 01:00:00
38	19	MATER	116A	2026-02-04 17:00:00
39	20	CHIR-VISC	240A	2026-02-24 15:00:00
40	20	PEDIA	337A	2026-02-24 11:00:00
41	21	REA	426A	2026-02-15 19:00:00
42	21	PNEUMO	317A	2026-02-15 17:00:00
43	22	CHIR-VISC	415A	2026-02-21 21:00:00
44	22	CARDIO	239A	2026-02-21 21:00:00
45	23	URG	116A	2026-02-24 05:00:00
46	23	MATER	237A	2026-02-24 05:00:00
47	24	CARDIO	107A	2026-02-02 08:00:00
48	24	MATER	336A	2026-02-02 12:00:00
49	25	ORTHO	411A	2026-02-22 18:00:00
50	25	CHIR-VISC	328A	2026-02-22 19:00:00
51	26	CHIR-VISC	137A	2026-02-16 04:00:00
52	26	CHIR-VISC	326A	2026-02-16 12:00:00
53	27	PEDIA	336A	2026-02-25 01:00:00
54	27	PNEUMO	117A	2026-02-25 06:00:00
55	28	MED-INT	311A	2026-02-06 22:00:00
56	28	REA	106A	2026-02-06 09:00:00
57	29	REA	210A	2026-02-11 11:00:00
58	29	URG	118A	2026-02-11 00:00:00
59	30	MATER	417A	2026-02-08 13:00:00
60	30	MED-INT	131A	2026-02-08 06:00:00
61	31	REA	320A	2026-02-12 11:00:00
62	31	MED-INT	322A	2026-02-12 20:00:00
63	32	MED-INT	338A	2026-02-23 05:00:00
64	32	CHIR-VISC	309A	2026-02-23 08:00:00
65	33	PEDIA	432A	2026-02-17 00:00:00
66	33	REA	316A	2026-02-17 07:00:00
67	34	MED-INT	331A	2026-02-09 16:00:00
68	34	REA	136A	2026-02-09 19:00:00
69	35	CHIR-VISC	209A	2026-02-19 11:00:00
70	35	ORTHO	120A	2026-02-19 21:00:00
71	36	CHIR-VISC	104A	2026-02-15 01:00:00
72	36	PNEUMO	306A	2026-02-15 00:00:00
73	37	URG	340A	2026-02-02 18:00:00
74	37	PEDIA	234A	2026-02-02 22:00:00
75	38	REA	316A	2026-02-14 19:00:00
76	38	ORTHO	237A	2026-02-14 14:00:00
77	39	REA	415A	2026-02-23 15:00:00
78	39	MED-INT	306A	2026-02-23 17:00:00
79	40	URG	135A	2026-02-13 13:00:00
80	40	REA	110A	2026-02-13 11:00:00
\.


--
-- Data for Name: diagnostic; Type: TABLE DATA; Schema: public; Owner: dpi
--

COPY public.diagnostic (id_diagnostic, id_sejour, cim10, type_diag, praticien_id) FROM stdin;
1	1	J18.9	DP	10001234567
2	2	N39.0	DP	10001234567
3	3	N39.0	DP	10001234567
4	4	R07.4	DP	10001234567
5	5	I50.0	DP	10001234567
6	6	O80	DP	10001234567
7	7	J18.9	DP	10001234567
8	8	I21.4	DP	10001234567
9	9	J18.9	DP	10001234567
10	10	R07.4	DP	10001234567
11	11	J18.9	DP	10001234567
12	12	I50.0	DP	10001234567
13	13	I21.4	DP	10001234567
14	14	K35.8	DP	10001234567
15	15	N39.0	DP	10001234567
16	16	J18.9	DP	10001234567
17	17	E11.9	DP	10001234567
18	18	R07.4	DP	10001234567
19	19	I21.4	DP	10001234567
20	20	I21.4	DP	10001234567
21	21	S72.0	DP	10001234567
22	22	J44.1	DP	10001234567
23	23	S72.0	DP	10001234567
24	24	J18.9	DP	10001234567
25	25	S72.0	DP	10001234567
26	26	E11.9	DP	10001234567
27	27	J18.9	DP	10001234567
28	28	I21.4	DP	10001234567
29	29	O80	DP	10001234567
30	30	S72.0	DP	10001234567
31	31	N39.0	DP	10001234567
32	32	K35.8	DP	10001234567
33	33	I50.0	DP	10001234567
34	34	I21.4	DP	10001234567
35	35	E11.9	DP	10001234567
36	36	I21.4	DP	10001234567
37	37	E11.9	DP	10001234567
38	38	E11.9	DP	10001234567
39	39	N39.0	DP	10001234567
40	40	J18.9	DP	10001234567
\.


--
-- Data for Name: prescription; Type: TABLE DATA; Schema: public; Owner: dpi
--

COPY public.prescription (id_prescription, id_sejour, medicament, posologie, date_prescription, praticien_id) FROM stdin;
1	1	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-08 10:00:00	10001234567
2	1	PARACETAMOL 1G	1 cp matin et soir	2026-02-08 10:00:00	10001234567
3	2	PARACETAMOL 1G	1 cp matin et soir	2026-02-03 10:00:00	10001234567
4	2	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-03 10:00:00	10001234567
5	3	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-12 10:00:00	10001234567
6	3	METFORMINE 850MG	1 cp matin et soir	2026-02-12 10:00:00	10001234567
7	4	AMOXICILLINE 1G	1 cp matin et soir	2026-02-26 10:00:00	10001234567
8	4	METFORMINE 850MG	1 cp matin et soir	2026-02-26 10:00:00	10001234567
9	5	METFORMINE 850MG	1 cp matin et soir	2026-02-25 10:00:00	10001234567
10	5	AMOXICILLINE 1G	1 cp matin et soir	2026-02-25 10:00:00	10001234567
11	6	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-03 10:00:00	10001234567
12	6	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-03 10:00:00	10001234567
13	7	PARACETAMOL 1G	1 cp matin et soir	2026-02-03 10:00:00	10001234567
14	7	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-03 10:00:00	10001234567
15	8	AMOXICILLINE 1G	1 cp matin et soir	2026-02-08 10:00:00	10001234567
16	8	METFORMINE 850MG	1 cp matin et soir	2026-02-08 10:00:00	10001234567
17	9	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-04 10:00:00	10001234567
18	9	FUROSEMIDE 40MG	1 cp matin et soir	2026-02-04 10:00:00	10001234567
19	10	AMOXICILLINE 1G	1 cp matin et soir	2026-02-24 10:00:00	10001234567
20	10	FUROSEMIDE 40MG	1 cp matin et soir	2026-02-24 10:00:00	10001234567
21	11	AMOXICILLINE 1G	1 cp matin et soir	2026-02-11 10:00:00	10001234567
22	11	FUROSEMIDE 40MG	1 cp matin et soir	2026-02-11 10:00:00	10001234567
23	12	AMOXICILLINE 1G	1 cp matin et soir	2026-02-14 10:00:00	10001234567
24	12	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-14 10:00:00	10001234567
25	13	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-21 10:00:00	10001234567
26	13	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-21 10:00:00	10001234567
27	14	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-19 10:00:00	10001234567
28	14	FUROSEMIDE 40MG	1 cp matin et soir	2026-02-19 10:00:00	10001234567
29	15	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-24 10:00:00	10001234567
30	15	METFORMINE 850MG	1 cp matin et soir	2026-02-24 10:00:00	10001234567
31	16	FUROSEMIDE 40MG	1 cp matin et soir	2026-02-18 10:00:00	10001234567
32	16	METFORMINE 850MG	1 cp matin et soir	2026-02-18 10:00:00	10001234567
33	17	AMOXICILLINE 1G	1 cp matin et soir	2026-02-21 10:00:00	10001234567
34	17	AMOXICILLINE 1G	1 cp matin et soir	2026-02-21 10:00:00	10001234567
35	18	FUROSEMIDE 40MG	1 cp matin et soir	2026-02-25 10:00:00	10001234567
36	18	METFORMINE 850MG	1 cp matin et soir	2026-02-25 10:00:00	10001234567
37	19	AMOXICILLINE 1G	1 cp matin et soir	2026-02-04 10:00:00	10001234567
38	19	FUROSEMIDE 40MG	1 cp matin et soir	2026-02-04 10:00:00	10001234567
39	20	FUROSEMIDE 40MG	1 cp matin et soir	2026-02-24 10:00:00	10001234567
40	20	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-24 10:00:00	10001234567
41	21	METFORMINE 850MG	1 cp matin et soir	2026-02-15 10:00:00	10001234567
42	21	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-15 10:00:00	10001234567
43	22	AMOXICILLINE 1G	1 cp matin et soir	2026-02-21 10:00:00	10001234567
44	22	FUROSEMIDE 40MG	1 cp matin et soir	2026-02-21 10:00:00	10001234567
45	23	AMOXICILLINE 1G	1 cp matin et soir	2026-02-24 10:00:00	10001234567
46	23	PARACETAMOL 1G	1 cp matin et soir	2026-02-24 10:00:00	10001234567
47	24	FUROSEMIDE 40MG	1 cp matin et soir	2026-02-02 10:00:00	10001234567
48	24	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-02 10:00:00	10001234567
49	25	PARACETAMOL 1G	1 cp matin et soir	2026-02-22 10:00:00	10001234567
50	25	METFORMINE 850MG	1 cp matin et soir	2026-02-22 10:00:00	10001234567
51	26	PARACETAMOL 1G	1 cp matin et soir	2026-02-16 10:00:00	10001234567
52	26	FUROSEMIDE 40MG	1 cp matin et soir	2026-02-16 10:00:00	10001234567
53	27	PARACETAMOL 1G	1 cp matin et soir	2026-02-25 10:00:00	10001234567
54	27	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-25 10:00:00	10001234567
55	28	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-06 10:00:00	10001234567
56	28	FUROSEMIDE 40MG	1 cp matin et soir	2026-02-06 10:00:00	10001234567
57	29	AMOXICILLINE 1G	1 cp matin et soir	2026-02-11 10:00:00	10001234567
58	29	AMOXICILLINE 1G	1 cp matin et soir	2026-02-11 10:00:00	10001234567
59	30	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-08 10:00:00	10001234567
60	30	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-08 10:00:00	10001234567
61	31	PARACETAMOL 1G	1 cp matin et soir	2026-02-12 10:00:00	10001234567
62	31	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-12 10:00:00	10001234567
63	32	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-23 10:00:00	10001234567
64	32	AMOXICILLINE 1G	1 cp matin et soir	2026-02-23 10:00:00	10001234567
65	33	AMOXICILLINE 1G	1 cp matin et soir	2026-02-17 10:00:00	10001234567
66	33	PARACETAMOL 1G	1 cp matin et soir	2026-02-17 10:00:00	10001234567
67	34	PARACETAMOL 1G	1 cp matin et soir	2026-02-09 10:00:00	10001234567
68	34	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-09 10:00:00	10001234567
69	35	PARACETAMOL 1G	1 cp matin et soir	2026-02-19 10:00:00	10001234567
70	35	FUROSEMIDE 40MG	1 cp matin et soir	2026-02-19 10:00:00	10001234567
71	36	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-15 10:00:00	10001234567
72	36	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-15 10:00:00	10001234567
73	37	METFORMINE 850MG	1 cp matin et soir	2026-02-02 10:00:00	10001234567
74	37	FUROSEMIDE 40MG	1 cp matin et soir	2026-02-02 10:00:00	10001234567
75	38	ENOXAPARINE 4000UI	1 cp matin et soir	2026-02-14 10:00:00	10001234567
76	38	METFORMINE 850MG	1 cp matin et soir	2026-02-14 10:00:00	10001234567
77	39	METFORMINE 850MG	1 cp matin et soir	2026-02-23 10:00:00	10001234567
78	39	METFORMINE 850MG	1 cp matin et soir	2026-02-23 10:00:00	10001234567
79	40	AMOXICILLINE 1G	1 cp matin et soir	2026-02-13 10:00:00	10001234567
80	40	AMOXICILLINE 1G	1 cp matin et soir	2026-02-13 10:00:00	10001234567
\.


--
-- Data for Name: document; Type: TABLE DATA; Schema: public; Owner: dpi
--

COPY public.document (id_document, id_sejour, type_document, titre, compte_rendu, date_document) FROM stdin;
1	1	CRH	Compte rendu d'hospitalisation — Aldegonde QUIMBERTEAU	Patient(e) Aldegonde QUIMBERTEAU, né(e) le 1984-05-12. Évolution favorable.	2026-03-02 15:00:00
2	2	CRH	Compte rendu d'hospitalisation — Zéphyrine VASQUELLON	Patient(e) Zéphyrine VASQUELLON, né(e) le 1951-02-23. Évolution favorable.	2026-03-03 15:00:00
3	3	CRH	Compte rendu d'hospitalisation — Anatole TRÉMOUILLAC	Patient(e) Anatole TRÉMOUILLAC, né(e) le 1967-09-30. Évolution favorable.	2026-03-04 15:00:00
4	4	CRH	Compte rendu d'hospitalisation — Héloïse BAZOUGEARD	Patient(e) Héloïse BAZOUGEARD, né(e) le 2019-07-04. Évolution favorable.	2026-03-05 15:00:00
5	5	CRH	Compte rendu d'hospitalisation — Barnabé ROUZAUD-FLÉCHIÈRE	Patient(e) Barnabé ROUZAUD-FLÉCHIÈRE, né(e) le 1942-01-18. Évolution favorable.	2026-03-06 15:00:00
6	6	CRH	Compte rendu d'hospitalisation — Camille MOREAU	Patient(e) Camille MOREAU, né(e) le 1983-08-21. Évolution favorable.	2026-03-07 15:00:00
7	7	CRH	Compte rendu d'hospitalisation — Chloé THOMAS	Patient(e) Chloé THOMAS, né(e) le 2011-05-22. Évolution favorable.	2026-03-08 15:00:00
8	8	CRH	Compte rendu d'hospitalisation — Camille RICHARD	Patient(e) Camille RICHARD, né(e) le 1961-06-01. Évolution favorable.	2026-03-01 15:00:00
9	9	CRH	Compte rendu d'hospitalisation — Pierre DUBOIS	Patient(e) Pierre DUBOIS, né(e) le 1969-03-07. Évolution favorable.	2026-03-02 15:00:00
10	10	CRH	Compte rendu d'hospitalisation — Hugo RICHARD	Patient(e) Hugo RICHARD, né(e) le 2022-01-05. Évolution favorable.	2026-03-03 15:00:00
11	11	CRH	Compte rendu d'hospitalisation — Emma THOMAS	Patient(e) Emma THOMAS, né(e) le 1954-08-28. Évolution favorable.	2026-03-04 15:00:00
12	12	CRH	Compte rendu d'hospitalisation — Léa SIMON	Patient(e) Léa SIMON, né(e) le 1954-04-25. Évolution favorable.	2026-03-05 15:00:00
13	13	CRH	Compte rendu d'hospitalisation — Chloé GARCIA	Patient(e) Chloé GARCIA, né(e) le 1978-10-26. Évolution favorable.	2026-03-06 15:00:00
14	14	CRH	Compte rendu d'hospitalisation — Pierre ROUX	Patient(e) Pierre ROUX, né(e) le 1960-09-22. Évolution favorable.	2026-03-07 15:00:00
15	15	CRH	Compte rendu d'hospitalisation — Pierre ROBERT	Patient(e) Pierre ROBERT, né(e) le 1960-02-06. Évolution favorable.	2026-03-08 15:00:00
16	16	CRH	Compte rendu d'hospitalisation — Arthur DAVID	Patient(e) Arthur DAVID, né(e) le 1956-07-09. Évolution favorable.	2026-03-01 15:00:00
17	17	CRH	Compte rendu d'hospitalisation — Lucas PETIT	Patient(e) Lucas PETIT, né(e) le 1948-01-23. Évolution favorable.	2026-03-02 15:00:00
18	18	CRH	Compte rendu d'hospitalisation — Manon PETIT	Patient(e) Manon PETIT, né(e) le 2021-09-13. Évolution favorable.	2026-03-03 15:00:00
19	19	CRH	Compte rendu d'hospitalisation — Louis ROBERT	Patient(e) Louis ROBERT, né(e) le 2021-05-19. Évolution favorable.	2026-03-04 15:00:00
20	20	CRH	Compte rendu d'hospitalisation — Nathalie ROUX	Patient(e) Nathalie ROUX, né(e) le 1998-06-22. Évolution favorable.	2026-03-05 15:00:00
21	21	CRH	Compte rendu d'hospitalisation — Louis DAVID	Patient(e) Louis DAVID, né(e) le 1980-10-23. Évolution favorable.	2026-03-06 15:00:00
22	22	CRH	Compte rendu d'hospitalisation — Camille MICHEL	Patient(e) Camille MICHEL, né(e) le 1950-11-18. Évolution favorable.	2026-03-07 15:00:00
23	23	CRH	Compte rendu d'hospitalisation — Gabriel SIMON	Patient(e) Gabriel SIMON, né(e) le 1974-11-03. Évolution favorable.	2026-03-08 15:00:00
24	24	CRH	Compte rendu d'hospitalisation — Louis ROUX	Patient(e) Louis ROUX, né(e) le 1935-04-16. Évolution favorable.	2026-03-01 15:00:00
25	25	CRH	Compte rendu d'hospitalisation — Pierre SIMON	Patient(e) Pierre SIMON, né(e) le 2017-08-23. Évolution favorable.	2026-03-02 15:00:00
26	26	CRH	Compte rendu d'hospitalisation — Louis BERNARD	Patient(e) Louis BERNARD, né(e) le 1972-04-01. Évolution favorable.	2026-03-03 15:00:00
27	27	CRH	Compte rendu d'hospitalisation — Léa BERTRAND	Patient(e) Léa BERTRAND, né(e) le 1950-06-20. Évolution favorable.	2026-03-04 15:00:00
28	28	CRH	Compte rendu d'hospitalisation — Chloé LEFEBVRE	Patient(e) Chloé LEFEBVRE, né(e) le 1939-02-28. Évolution favorable.	2026-03-05 15:00:00
29	29	CRH	Compte rendu d'hospitalisation — Nathalie DAVID	Patient(e) Nathalie DAVID, né(e) le 1935-07-11. Évolution favorable.	2026-03-06 15:00:00
30	30	CRH	Compte rendu d'hospitalisation — Hugo BERNARD	Patient(e) Hugo BERNARD, né(e) le 1969-07-12. Évolution favorable.	2026-03-07 15:00:00
31	31	CRH	Compte rendu d'hospitalisation — Jean THOMAS	Patient(e) Jean THOMAS, né(e) le 2002-10-12. Évolution favorable.	2026-03-08 15:00:00
32	32	CRH	Compte rendu d'hospitalisation — Pierre DUBOIS	Patient(e) Pierre DUBOIS, né(e) le 2000-04-18. Évolution favorable.	2026-03-01 15:00:00
33	33	CRH	Compte rendu d'hospitalisation — Julie ROUX	Patient(e) Julie ROUX, né(e) le 2019-05-09. Évolution favorable.	2026-03-02 15:00:00
34	34	CRH	Compte rendu d'hospitalisation — Gabriel DURAND	Patient(e) Gabriel DURAND, né(e) le 1986-09-12. Évolution favorable.	2026-03-03 15:00:00
35	35	CRH	Compte rendu d'hospitalisation — Nathalie ROBERT	Patient(e) Nathalie ROBERT, né(e) le 1976-02-05. Évolution favorable.	2026-03-04 15:00:00
36	36	CRH	Compte rendu d'hospitalisation — Louis THOMAS	Patient(e) Louis THOMAS, né(e) le 1943-05-14. Évolution favorable.	2026-03-05 15:00:00
37	37	CRH	Compte rendu d'hospitalisation — Chloé LEROY	Patient(e) Chloé LEROY, né(e) le 1993-01-24. Évolution favorable.	2026-03-06 15:00:00
38	38	CRH	Compte rendu d'hospitalisation — Chloé BERNARD	Patient(e) Chloé BERNARD, né(e) le 2024-09-03. Évolution favorable.	2026-03-07 15:00:00
39	39	CRH	Compte rendu d'hospitalisation — Paul ROBERT	Patient(e) Paul ROBERT, né(e) le 1962-01-05. Évolution favorable.	2026-03-08 15:00:00
40	40	CRH	Compte rendu d'hospitalisation — Marie LEROY	Patient(e) Marie LEROY, né(e) le 2002-08-22. Évolution favorable.	2026-03-01 15:00:00
\.


--
-- Name: patient patient_pkey; Type: CONSTRAINT; Schema: public; Owner: dpi
--

ALTER TABLE ONLY public.patient
    ADD CONSTRAINT patient_pkey PRIMARY KEY (id_patient);


--
-- Name: sejour sejour_pkey; Type: CONSTRAINT; Schema: public; Owner: dpi
--

ALTER TABLE ONLY public.sejour
    ADD CONSTRAINT sejour_pkey PRIMARY KEY (id_sejour);


--
-- Name: mouvement mouvement_pkey; Type: CONSTRAINT; Schema: public; Owner: dpi
--

ALTER TABLE ONLY public.mouvement
    ADD CONSTRAINT mouvement_pkey PRIMARY KEY (id_mouvement);


--
-- Name: diagnostic diagnostic_pkey; Type: CONSTRAINT; Schema: public; Owner: dpi
--

ALTER TABLE ONLY public.diagnostic
    ADD CONSTRAINT diagnostic_pkey PRIMARY KEY (id_diagnostic);


--
-- Name: prescription prescription_pkey; Type: CONSTRAINT; Schema: public; Owner: dpi
--

ALTER TABLE ONLY public.prescription
    ADD CONSTRAINT prescription_pkey PRIMARY KEY (id_prescription);


--
-- Name: document document_pkey; Type: CONSTRAINT; Schema: public; Owner: dpi
--

ALTER TABLE ONLY public.document
    ADD CONSTRAINT document_pkey PRIMARY KEY (id_document);


--
-- PostgreSQL database dump complete
--

