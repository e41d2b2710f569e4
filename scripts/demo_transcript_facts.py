"""Hand-written transcript details of the demo export and the questions they answer.

``DETAILS`` maps a conversation title to lines spoken in it, as ``(speaker, text)`` with
speaker 0 = the user (Sam), 1 = the person Sam talks to, 2 = a third voice. Each holds what
the summary drops (a name, a place, an amount, a time, who said what) and stays coherent
with that conversation's title and overview. ``gen_demo_export.py`` weaves them into the
generated transcript.

``QUESTIONS`` lists ``(title, question, answers)``: a support person's question whose
answer is only in that conversation's transcript; every answer string must occur (whole
words, case-insensitive) in that transcript, in no other conversation's transcript, and not
in its structured text. ``gen_demo_export.py`` checks this and writes
``tests/fixtures/transcript-queries.json``.
"""

DETAILS = {
    # Dentist.
    "Dentist appointment for teeth cleaning": [
        (1, "Hi Sam, I'm Marisol, I'll be your hygienist today. Dr. Patel will pop in at the end."),
        (0, "Hi Marisol. The front desk said the copay went up?"),
        (1, "Forty-five dollars now, since January. Sorry, it's the plan, not us."),
    ],
    "Cavity filling at Dr. Patel's": [
        (1, "We'll match it to shade A2, so nobody will see it."),
        (0, "And what's this going to cost me after insurance?"),
        (1, "The estimate says one hundred eighty-five dollars, so $185 out of pocket."),
    ],
    "Dentist says I grind my teeth": [
        (1, "We send the impressions to Keller Dental Lab in Beaverton, they do all our guards."),
        (0, "How long does that take?"),
        (1, "About two weeks. The guard is $620 before insurance, so check your plan."),
    ],
    "Picked up custom night guard": [
        (2, "Your half comes to $310, Sam. Card or cash?"),
        (1, "Rinse it every morning and soak it in Efferdent twice a week. Not toothpaste, it scratches."),
        (0, "Efferdent, got it."),
    ],
    "Wisdom tooth consultation": [
        (1, "I'm Dr. Okonkwo. Let's look at the panoramic film together."),
        (1, "We'd do it under IV sedation, so someone has to drive you home."),
        (0, "And ballpark, what does it cost?"),
        (1, "The estimate is $1,150 before your insurance kicks in."),
    ],
    # Marathon.
    "Signed up for the Portland Marathon": [
        (0, "Registration was $145 with the early-bird price, and I'm in corral C."),
        (1, "Corral C, fancy. Who's doing the plan?"),
        (0, "It's the Hal Higdon Novice 2 plan, the one my running group swears by."),
    ],
    "First long run of the training block": [
        (2, "That's six, we turn around at the Sellwood Bridge, right?"),
        (0, "Yeah, Sellwood and back. Thanks for pacing me, Keisha."),
        (2, "Anytime. Stretch that calf tonight."),
    ],
    "Physical therapy for shin splints": [
        (1, "I'm Gustavo, welcome to Rose City Physio. Show me where it hurts."),
        (0, "Right along the inside of the shin, both legs."),
        (1, "Three sets of fifteen calf raises, and ice for ten minutes after runs."),
    ],
    "New running shoes fitting": [
        (1, "Based on the treadmill video, I'd put you in the Brooks Adrenaline."),
        (0, "What size? I've always been a ten."),
        (1, "Ten and a half wide, 10.5 2E. Your toes need room by mile twenty."),
    ],
    "Twenty-mile long run in the heat": [
        (0, "It was 91 degrees by the time I got to the Springwater trail."),
        (1, "Ninety-one? Did you at least take gels?"),
        (0, "Two Maurten gels, and I should have taken four."),
    ],
    "Half marathon tune-up race": [
        (1, "I was on the Hawthorne Bridge with the sign, did you see me?"),
        (0, "The Hawthorne Bridge sign! Yes, I laughed so hard I almost tripped."),
        (1, "Bib 2217, I was yelling your number like an idiot."),
    ],
    "Taper week nerves": [
        (0, "I booked Nostrana for the pasta dinner Saturday, 5:15 so I can be in bed by nine."),
        (1, "Nostrana at 5:15, nice. Pin your bib Friday night so you don't panic."),
    ],
    "Marathon race day 🏅": [
        (0, "Uncle Ray drove all the way up from Salem to stand at mile 20."),
        (1, "Uncle Ray! In his Ducks hat?"),
        (0, "Ducks hat and a cowbell. It saved me."),
    ],
    "Post-marathon recovery plan": [
        (0, "I'm looking at the Smith Rock 25K in April. It's mostly trail, lots of climbing."),
        (1, "Smith Rock is gorgeous. Just don't sign up this week."),
    ],
    # Fundraising.
    "Pitch deck review with Priya": [
        (1, "Our net revenue retention is 128 percent. Put that on the traction slide, big."),
        (0, "128 percent, that's the headline then."),
    ],
    "Intro call with Northwind Ventures": [
        (1, "Hi Sam, Helen Voss, I'm a partner here. I've read the deck twice."),
        (0, "Thanks for making the time, Helen."),
    ],
    "Angel investor coffee": [
        (1, "I'm Gordon Pike. I backed Lintbox and Stackyard early on."),
        (1, "If you get a lead, I'd put in $50,000. Not before."),
        (0, "Fifty thousand once there's a lead. Understood."),
    ],
    "Partner meeting pitch rehearsal": [
        (2, "Four minutes ten on the demo. Theo Marsh, official timekeeper."),
        (0, "Thanks Theo. Can we get it under four?"),
    ],
    "Term sheet from Northwind": [
        (0, "I sent it to Rebecca Stein last night, she's our lawyer at Stein and Alder."),
        (1, "Good. Ask Rebecca about the participating preferred bit."),
    ],
    "Seed round closed 🎉": [
        (1, "Dinner at Le Pigeon tonight, the whole team, I booked it."),
        (0, "Le Pigeon! The bill is going to be scary."),
        (1, "Thirteen hundred and eighty dollars scary, I already saw the set menu."),
    ],
    "Hiring plan after the raise": [
        (1, "I budgeted $165,000 base for each senior backend role."),
        (0, "165 plus equity. Competitive for Portland."),
    ],
    "First board meeting": [
        (2, "Anika Shah here. What's driving the churn in the small accounts?"),
        (0, "Mostly teams under five seats, Anika. We're looking at it."),
    ],
    # Kitchen.
    "Kitchen renovation kickoff with contractor": [
        (1, "All in, my bid is $48,500, and we can start June 2nd."),
        (0, "Forty-eight five. Okay, send it over in writing."),
    ],
    "Choosing countertops": [
        (1, "This one's Calacatta Miraggio, ninety-two dollars a square foot installed."),
        (0, "The Miraggio is the one. Jordan will like the veining."),
    ],
    "Cabinet order delayed": [
        (1, "It's Parr, the supplier. Their truck got rerouted, new date is the tenth of July."),
        (0, "So Parr is three weeks late and we just wait?"),
    ],
    "Permit inspection passed": [
        (1, "Dwayne Fisk, city of Portland. Let's see the panel first."),
        (0, "Thanks for coming early, Mr. Fisk."),
        (1, "Permit ending 4471, you're signed off."),
    ],
    "Backsplash tile debate": [
        (1, "The green is from Clay Imports, thirty-eight dollars a square foot."),
        (0, "Clay Imports at thirty-eight, only behind the stove, then."),
    ],
    "Kitchen renovation budget check": [
        (0, "We're $6,200 over. The Zephyr hood alone was eleven hundred more."),
        (1, "Sixty-two hundred. Okay. Not the end of the world."),
    ],
    "First dinner in the new kitchen": [
        (2, "I brought a Barolo, it needs to breathe a bit."),
        (0, "Hiro, you didn't have to, that's way too nice for risotto."),
    ],
    # Spanish.
    "Started Spanish lessons with Carmen": [
        (1, "It's thirty-five dollars a lesson, Tuesdays on Zoom, and use Anki for the flashcards."),
        (0, "Anki, Tuesdays, thirty-five. Perfect."),
    ],
    "Spanish subjunctive practice": [
        (1, "Think of the Juan Luis Guerra song, 'Ojalá que llueva café'."),
        (0, "Juan Luis Guerra, okay, that actually helps."),
    ],
    "Café con leche with Andrés": [
        (1, "Soy de Medellín, but I work at Intel in Hillsboro now."),
        (0, "Medellín! Mi tutora dice que es muy bonita."),
    ],
    "Passed the B1 mock exam": [
        (1, "The real exam is at the Instituto Cervantes in Seattle, on a Saturday in November."),
        (0, "So I'd drive up to the Instituto Cervantes the night before."),
    ],
    "Spanish podcast recommendations": [
        (1, "Listen to Radio Ambulante, it's long-form, and Hoy Hablamos for grammar."),
        (0, "Radio Ambulante, writing that down."),
    ],
    "Ordering dinner fully in Spanish": [
        (2, "Soy Don Ernesto, bienvenidos. ¿Qué les sirvo?"),
        (0, "El mole negro, por favor, Don Ernesto."),
    ],
    # Biscuit.
    "Biscuit is limping": [
        (0, "It happened at Wilshire Park, he went after a ball and yelped."),
        (1, "Wilshire, on the wet grass? Poor guy."),
    ],
    "Vet visit for Biscuit's limp": [
        (1, "I'm sending him home with Rimadyl, seventy-five milligrams twice a day with food."),
        (0, "Rimadyl with breakfast and dinner. Got it."),
    ],
    "Biscuit's X-ray results": [
        (1, "Dr. Farrow will do the TPLO, he's our best orthopedic surgeon."),
        (0, "Dr. Farrow. Okay. When can he do it?"),
    ],
    "Pet insurance claim for the surgery": [
        (1, "Your claim reference is PZ-88213, keep that handy."),
        (0, "PZ-88213. And the deductible is two hundred fifty?"),
    ],
    "Biscuit's knee surgery day": [
        (1, "Hi, this is Callie, the surgical tech. He's awake and wagging."),
        (1, "You can pick him up tomorrow at 3:45, bring the crate."),
        (0, "Quarter to four, crate, thank you Callie."),
    ],
    "Dog rehab exercises": [
        (1, "I'm Dr. Imani Brooks. We'll add the underwater treadmill in week three."),
        (0, "How much is a treadmill session, Dr. Brooks?"),
        (1, "Sixty-five a session."),
    ],
    "Biscuit back at the dog park 🐕": [
        (2, "Juniper, come! Sorry, she loves your dog."),
        (0, "It's fine, he missed having a husky to chase."),
    ],
    # Taxes.
    "Gathering documents for 2024 taxes": [
        (0, "The HSA is through HealthEquity, I'll log in and find the 5498."),
        (1, "HealthEquity's site is a maze, good luck."),
    ],
    "Meeting with accountant Linda": [
        (1, "My fee this year is four hundred twenty-five dollars, same as last year plus the state form."),
        (0, "$425 is fine, Linda."),
    ],
    "Filed federal and state returns": [
        (1, "And Oregon gives you back eighty-six dollars."),
        (0, "An $86 state refund, I'll take it."),
    ],
    "Quarterly estimated tax payment": [
        (0, "Sent $2,750 through IRS Direct Pay this morning."),
        (1, "Did you save the confirmation number?"),
    ],
    "Tax prep for 2025 with startup equity": [
        (1, "Your election covered nine thousand shares, filed within the thirty days."),
        (0, "9,000 shares at a tenth of a cent. Feels unreal."),
    ],
    "Last-minute tax extension": [
        (0, "The K-1 from Alder Creek Partners still isn't here."),
        (1, "Alder Creek is always late, that's why people file extensions."),
    ],
    # Wedding.
    "Proposal on Christmas Eve 💍": [
        (0, "I took her up to Council Crest, where we had our first date."),
        (1, "Council Crest in December? Brave. Where's the ring from?"),
        (0, "Cielo Jewelers on 23rd."),
    ],
    "Wedding venue tour at the vineyard": [
        (1, "I'm Brianna, the events coordinator. Saturdays in September are $14,000."),
        (0, "Fourteen thousand for the Saturday, okay."),
    ],
    "Guest list argument": [
        (1, "Aunt Colette wants to bring her new boyfriend."),
        (0, "Colette has been with him for three weeks."),
    ],
    "Tasting with the caterer": [
        (1, "I'm Olivia from Fig and Thistle. The deposit is $2,400 and it's due November 15."),
        (0, "November 15 for the deposit, got it."),
    ],
    "Picked a wedding photographer": [
        (1, "My brother Matteo comes as second shooter, he does the getting-ready photos."),
        (0, "Matteo takes the guys, you take Jordan. Perfect."),
    ],
    "Wedding invitations sent": [
        (0, "Oblation Papers printed them, they look incredible."),
        (1, "And the postage? Square envelopes cost extra."),
        (0, "Seventy-three cents each. Oblation warned us."),
    ],
    "First dance lessons": [
        (1, "I'm Yuri. Slow, quick, quick. Sam, you lead with the left foot."),
        (0, "Sorry Yuri, that was Jordan's foot again."),
    ],
    "Vows draft": [
        (2, "Cut the IKEA bookshelf story, it's funny but it's three minutes."),
        (0, "Nadia, the IKEA bookshelf is the whole point!"),
    ],
    "Our wedding day 💒": [
        (1, "The Lowdown Brass are setting up in the barn now."),
        (0, "Tell the Lowdown Brass to start with the Stevie Wonder."),
    ],
    "Honeymoon in the Azores": [
        (0, "We stayed at Terra Nostra in Furnas, the hotel has its own thermal pool."),
        (1, "Terra Nostra, the orange water! Did you see whales?"),
        (0, "Sperm whales, from Ponta Delgada."),
    ],
    # Guitar.
    "First guitar lesson with Luis": [
        (1, "This week, just Horse with No Name. Two chords, you'll be fine."),
        (0, "Horse with No Name, okay."),
    ],
    "Struggling with the F barre chord": [
        (1, "Switch to D'Addario tens, lighter gauge, it'll stop fighting you."),
        (0, "D'Addario tens, I'll grab a pack."),
    ],
    "Learning Blackbird fingerpicking": [
        (1, "Metronome at 60 bpm. Don't touch 70 until it's clean."),
        (0, "60 bpm for a week. Ugh, fine."),
    ],
    "Bought a used Martin acoustic": [
        (0, "I paid $1,350 for it, they wanted fifteen hundred."),
        (1, "At $1,350 that's a steal for that year."),
    ],
    "Open mic night performance 🎸": [
        (1, "Welcome to The Waypost! Next up, Sam with Wagon Wheel."),
        (0, "Wagon Wheel first, then something slower."),
    ],
    "Guitar lesson on blues improvisation": [
        (1, "Let's jam over The Thrill Is Gone, B minor, slow."),
        (0, "The Thrill Is Gone, I love that one."),
    ],
    # Job interview.
    "Recruiter screen with Halcyon Labs": [
        (1, "Hi, Megan Toll from Halcyon. The range is $185,000 to $210,000 base."),
        (0, "Thanks Megan, that's above what I expected."),
    ],
    "Product case interview prep": [
        (1, "Metrics drill: how do you measure the success of Spotify Wrapped?"),
        (0, "Spotify Wrapped... shares per user in the first week?"),
    ],
    "Onsite interview loop at Halcyon": [
        (0, "The last one was with Curtis Bell, the VP, and it was just weird."),
        (1, "Curtis Bell? What did he ask?"),
        (0, "Mostly about my favorite management book."),
    ],
    "Job offer from Halcyon Labs": [
        (0, "Base is $198,000 plus 24,000 RSUs over four years."),
        (1, "198 base. That's real money, Sam."),
    ],
    "Decision to turn down the offer": [
        (0, "I called Dana Whitfield, the hiring manager, this morning."),
        (1, "How did Dana take it?"),
        (0, "Gracefully. She said the door's open."),
    ],
    # Book club.
    "Book club: Klara and the Sun": [
        (2, "Welcome to my house, sorry about the stairs. I'm Greta if we haven't met."),
        (0, "Thanks for hosting, Greta."),
    ],
    "Book club: The Overstory": [
        (2, "Next month, Lonesome Dove. It won by one vote."),
        (0, "Lonesome Dove is like nine hundred pages."),
    ],
    "Hosting book club at our place": [
        (0, "I borrowed six folding chairs from Mr. Delgado next door and we still ran out."),
        (1, "Mr. Delgado is a saint."),
    ],
    "Book club: Piranesi": [
        (2, "I'm Wendell, I drew a map of the House, does anyone want it?"),
        (0, "Wendell, that's amazing, pass it around."),
    ],
    "Book club anniversary potluck": [
        (1, "And January is James, by Percival Everett. Unanimous."),
        (0, "Percival Everett, finally."),
    ],
    # Japan.
    "Planning the Japan trip": [
        (1, "In Kyoto I want Ryokan Yachiyo, the one near Nanzen-ji."),
        (0, "Yachiyo, with the garden. I'll email them."),
    ],
    "Booked flights to Tokyo": [
        (0, "Delta 167 through Seattle, and the second ticket was 90,000 miles."),
        (1, "Ninety thousand points, worth it."),
    ],
    "Japan Rail Pass vs individual tickets": [
        (0, "The separate tickets add up to 38,400 yen each. The pass is fifty thousand now."),
        (1, "So 38,400 wins by a mile."),
    ],
    "東京: first night in Shinjuku": [
        (1, "This is Fuunji, the tsukemen place, the line's only twenty people."),
        (0, "Fuunji at eleven at night. Let's do it."),
    ],
    "Temples and tea in Kyoto 🍵": [
        (2, "I am Atsuko, I will guide you through the ceremony today."),
        (0, "Thank you, Atsuko-san."),
    ],
    "直島 art island day": [
        (0, "The ferry leaves Uno Port at 8:22, we can't miss it."),
        (1, "Uno Port, 8:22, alarm set."),
    ],
    "Osaka street food night": [
        (1, "Mizuno, the okonomiyaki place, is the best meal of the whole trip."),
        (0, "Mizuno over everything? Even the sushi?"),
    ],
    "Jet lag after the Japan trip": [
        (1, "Take half a milligram of melatonin, 0.5, at nine thirty. Not more."),
        (0, "0.5 milligrams, okay, I'll try it tonight."),
    ],
    # Sleep.
    "Trouble falling asleep": [
        (1, "Try Insight Timer, there's a body scan that knocks me out."),
        (0, "Insight Timer, fine, I'll try anything."),
    ],
    "Talked to doctor about insomnia": [
        (1, "I'm referring you to Dr. Hwang, she runs the CBT program."),
        (0, "Dr. Hwang. Is there a waitlist?"),
    ],
    "Cutting caffeine after noon": [
        (0, "I switched to rooibos after lunch, the vanilla one."),
        (1, "Rooibos, really? You?"),
    ],
    "Sleep study results": [
        (1, "Your AHI was 2.1. Anything under five is normal."),
        (0, "2.1, great, so no machine."),
    ],
    # Garden.
    "Building raised garden beds": [
        (0, "Three yards of soil mix from Mt. Scott Topsoil, $210 delivered."),
        (1, "Mt. Scott always has the good stuff."),
    ],
    "Planting tomato seedlings": [
        (0, "Got all six from Portland Nursery, they had every heirloom."),
        (1, "Portland Nursery on a Saturday, brave."),
    ],
    "Aphids on the kale": [
        (0, "I ordered 1,500 ladybugs for eighteen bucks."),
        (1, "1,500 ladybugs loose in our yard. Great."),
    ],
    "First big harvest": [
        (0, "I gave the zucchini to the Nakamuras, they make that pickle."),
        (1, "The Nakamuras will give you a jar back, watch."),
    ],
    # Mom.
    "Mom's hip replacement scheduled": [
        (1, "Dr. Lindqvist says check in at 5:30 in the morning at St. Vincent."),
        (0, "Dr. Lindqvist, 5:30. I'll drive you, Mom."),
    ],
    "Waiting room during Mom's surgery": [
        (2, "Sam, I got you a coffee, black."),
        (0, "Thanks Lena. Any word from the nurse?"),
        (2, "Not yet. Lena's rule: no googling complications."),
    ],
    "Mom's first week home after surgery": [
        (1, "Abebe, the home health nurse, comes Tuesdays and Fridays."),
        (0, "Abebe is great, Mom. Listen to him about the walker."),
    ],
    # One-offs.
    "Flat tire on the way to work": [
        (1, "Les Schwab can do a Michelin for $164, mounted and balanced."),
        (0, "Les Schwab it is, Thursday morning."),
    ],
    "Dad's 65th birthday dinner": [
        (2, "Dad, you ordered the twenty-four ounce porterhouse? At sixty-five?"),
        (1, "The porterhouse is a tradition, leave me alone."),
    ],
    "Refinancing the mortgage": [
        (1, "Graham Whitley, loan officer. I can lock 5.875 percent for forty-five days."),
        (0, "5.875, down from seven. Okay, Graham."),
    ],
    "Customer call with Brightpath": [
        (1, "This is Oksana, IT lead. We're on Okta, so SSO would go through that."),
        (0, "Okta, got it, that's the easy one."),
    ],
    "Production outage postmortem": [
        (1, "The spike started at 2:14 when we hit the front page of Hacker News."),
        (0, "Hacker News, of course it was."),
    ],
    "Phone screen cracked": [
        (0, "The uBreakiFix on Sandy said $180 and two hours."),
        (1, "uBreakiFix did mine, it was fine."),
    ],
    "Disputing a credit card charge": [
        (0, "It's Crunch Fitness, I cancelled in March, I have the email."),
        (1, "Crunch again? Send them the email too."),
    ],
    "Anniversary dinner with Jordan": [
        (1, "Welcome to Chez Margaux, your table by the window."),
        (0, "Chez Margaux, four years ago, same table."),
    ],
    "Coffee with an old college friend": [
        (1, "Ezra and Felix, they're three now, and they never sleep."),
        (0, "Ezra and Felix Cohen. Wow."),
    ],
    "Brewery trivia night": [
        (1, "Team name? We're Quizteama Aguilera again."),
        (0, "Quizteama Aguilera, defending second place."),
    ],
}

QUESTIONS = [
    ("Dentist appointment for teeth cleaning", "what was the hygienist called at the checkup with Dr. Patel?", ["Marisol"]),
    ("Cavity filling at Dr. Patel's", "how much did the filling end up costing after insurance?", ["$185"]),
    ("Dentist says I grind my teeth", "which lab makes the night guard, and in what town?", ["Keller Dental Lab", "Beaverton"]),
    ("Picked up custom night guard", "what did the dental office say to soak the mouthguard in?", ["Efferdent"]),
    ("Wisdom tooth consultation", "what's the name of the oral surgeon who reviewed the X-ray?", ["Okonkwo"]),
    ("Signed up for the Portland Marathon", "what did the race registration cost with early bird pricing?", ["$145"]),
    ("First long run of the training block", "who paced Sam on the 12-miler and where did they turn around?", ["Keisha", "Sellwood"]),
    ("Physical therapy for shin splints", "what was the PT's name and which clinic was it?", ["Gustavo", "Rose City Physio"]),
    ("New running shoes fitting", "which stability model did the gait analysis end up recommending?", ["Adrenaline"]),
    ("Twenty-mile long run in the heat", "how hot was it and which gels did Sam carry on the 20-miler?", ["91 degrees", "Maurten"]),
    ("Half marathon tune-up race", "where was Jordan standing with the sign during the Bridge to Bridge race?", ["Hawthorne Bridge"]),
    ("Taper week nerves", "which restaurant is booked for the pasta dinner before the marathon?", ["Nostrana"]),
    ("Marathon race day 🏅", "which relative drove up to cheer at mile 20, and from where?", ["Uncle Ray", "Salem"]),
    ("Post-marathon recovery plan", "which spring trail race is Sam looking at?", ["Smith Rock"]),
    ("Pitch deck review with Priya", "what net revenue retention number goes on the traction slide?", ["128 percent"]),
    ("Intro call with Northwind Ventures", "who was the partner Sam spoke to on the first VC call?", ["Helen Voss"]),
    ("Angel investor coffee", "how much would the angel put in once a lead commits?", ["$50,000"]),
    ("Partner meeting pitch rehearsal", "who was timing the demo during the run-through?", ["Theo Marsh"]),
    ("Term sheet from Northwind", "which lawyer is reviewing the liquidation preference for the seed deal?", ["Rebecca Stein"]),
    ("Seed round closed 🎉", "where did the team go to celebrate the money landing?", ["Le Pigeon"]),
    ("Hiring plan after the raise", "what base salary did Priya budget for each senior backend hire?", ["$165,000"]),
    ("First board meeting", "which director asked about churn in the small accounts?", ["Anika Shah"]),
    ("Kitchen renovation kickoff with contractor", "how much was Marco's bid and when could he start?", ["$48,500", "June 2nd"]),
    ("Choosing countertops", "which quartz did Sam pick at the showroom?", ["Calacatta Miraggio"]),
    ("Cabinet order delayed", "which supplier's truck got rerouted?", ["Parr"]),
    ("Permit inspection passed", "who was the city inspector that signed off the wiring?", ["Dwayne Fisk"]),
    ("Backsplash tile debate", "which shop is the green zellige coming from?", ["Clay Imports"]),
    ("Kitchen renovation budget check", "which range hood pushed the remodel over budget?", ["Zephyr"]),
    ("First dinner in the new kitchen", "what wine did Hiro bring to the risotto night?", ["Barolo"]),
    ("Started Spanish lessons with Carmen", "which flashcard app did the tutor tell Sam to use?", ["Anki"]),
    ("Spanish subjunctive practice", "whose song did Carmen use to explain ojalá?", ["Juan Luis Guerra"]),
    ("Café con leche with Andrés", "which city is the Colombian engineer from and where does he work?", ["Medellín", "Hillsboro"]),
    ("Passed the B1 mock exam", "where will Sam take the real DELE exam?", ["Instituto Cervantes"]),
    ("Spanish podcast recommendations", "which long-form show in Spanish did the tutor suggest listening to?", ["Radio Ambulante"]),
    ("Ordering dinner fully in Spanish", "what's the name of the taquería owner Sam chatted with?", ["Don Ernesto"]),
    ("Biscuit is limping", "which park was the dog at when he hurt his leg?", ["Wilshire Park"]),
    ("Vet visit for Biscuit's limp", "what painkiller did the vet send the dog home with?", ["Rimadyl"]),
    ("Biscuit's X-ray results", "which surgeon is going to repair the torn ligament?", ["Dr. Farrow"]),
    ("Pet insurance claim for the surgery", "what reference number did the insurer give for the reimbursement?", ["PZ-88213"]),
    ("Biscuit's knee surgery day", "what time can Sam collect the dog after the operation?", ["3:45"]),
    ("Dog rehab exercises", "who is the canine physio doing the slow leash walks?", ["Imani Brooks"]),
    ("Biscuit back at the dog park 🐕", "what was the husky's name that the dog chased?", ["Juniper"]),
    ("Gathering documents for 2024 taxes", "which company holds the HSA account?", ["HealthEquity"]),
    ("Meeting with accountant Linda", "what is Linda charging to prepare the return this year?", ["$425"]),
    ("Filed federal and state returns", "how much is the Oregon refund?", ["$86"]),
    ("Quarterly estimated tax payment", "how much did Sam send for the Q3 consulting taxes and how?", ["$2,750", "Direct Pay"]),
    ("Tax prep for 2025 with startup equity", "how many shares did the 83(b) election cover?", ["9,000 shares"]),
    ("Last-minute tax extension", "which fund's K-1 still hadn't arrived?", ["Alder Creek"]),
    ("Proposal on Christmas Eve 💍", "which lookout did Sam propose at, and where's the ring from?", ["Council Crest", "Cielo Jewelers"]),
    ("Wedding venue tour at the vineyard", "what does the vineyard charge for a September Saturday?", ["$14,000"]),
    ("Guest list argument", "which aunt wanted to bring her new boyfriend?", ["Colette"]),
    ("Tasting with the caterer", "when did the caterer say the deposit was due?", ["November 15"]),
    ("Picked a wedding photographer", "who is Elena's second shooter?", ["Matteo"]),
    ("Wedding invitations sent", "who printed the letterpress cards?", ["Oblation Papers"]),
    ("First dance lessons", "who is teaching Sam and Jordan the foxtrot?", ["Yuri"]),
    ("Vows draft", "which story did Nadia want cut from the speech?", ["IKEA bookshelf"]),
    ("Our wedding day 💒", "which band played in the barn at the vineyard?", ["Lowdown Brass"]),
    ("Honeymoon in the Azores", "which hotel did they stay at on São Miguel?", ["Terra Nostra"]),
    ("First guitar lesson with Luis", "which two-chord song was Sam told to practise after the pick and chord basics?", ["Horse with No Name"]),
    ("Struggling with the F barre chord", "which strings did the teacher say to switch to?", ["D'Addario"]),
    ("Learning Blackbird fingerpicking", "what metronome tempo did Luis set for practice?", ["60 bpm"]),
    ("Bought a used Martin acoustic", "how much did Sam pay at the pawn shop for the D-18?", ["$1,350"]),
    ("Open mic night performance 🎸", "what's the café called and which song did Sam open with?", ["Waypost", "Wagon Wheel"]),
    ("Guitar lesson on blues improvisation", "which B.B. King tune did Luis use for the pentatonic jam?", ["The Thrill Is Gone"]),
    ("Recruiter screen with Halcyon Labs", "what base range did the recruiter quote?", ["$185,000", "$210,000"]),
    ("Product case interview prep", "which product did Priya use for the metrics drill?", ["Spotify Wrapped"]),
    ("Onsite interview loop at Halcyon", "who was the VP in the awkward culture chat?", ["Curtis Bell"]),
    ("Job offer from Halcyon Labs", "what base salary and how many RSUs were in the offer?", ["$198,000", "24,000 RSUs"]),
    ("Decision to turn down the offer", "which hiring manager did Sam call to say no?", ["Dana Whitfield"]),
    ("Book club: Klara and the Sun", "who hosted the Ishiguro discussion at her house?", ["Greta"]),
    ("Book club: The Overstory", "which book won the vote for the following month?", ["Lonesome Dove"]),
    ("Hosting book club at our place", "which neighbour lent Sam folding chairs?", ["Mr. Delgado"]),
    ("Book club: Piranesi", "who drew a map of the House?", ["Wendell"]),
    ("Book club anniversary potluck", "which author's book was picked for January?", ["Percival Everett"]),
    ("Planning the Japan trip", "which ryokan did they want in Kyoto?", ["Ryokan Yachiyo"]),
    ("Booked flights to Tokyo", "what's the flight number to Haneda and how many points did the second seat take?", ["Delta 167", "90,000 miles"]),
    ("Japan Rail Pass vs individual tickets", "what do the separate shinkansen tickets add up to?", ["38,400 yen"]),
    ("東京: first night in Shinjuku", "which tsukemen counter did they eat at after landing?", ["Fuunji"]),
    ("Temples and tea in Kyoto 🍵", "who guided the tea ceremony in Gion?", ["Atsuko"]),
    ("直島 art island day", "which port did the Naoshima ferry leave from, and at what time?", ["Uno Port", "8:22"]),
    ("Osaka street food night", "which okonomiyaki place did Jordan rave about?", ["Mizuno"]),
    ("Jet lag after the Japan trip", "what melatonin dose was Sam told to take?", ["0.5 milligrams"]),
    ("Trouble falling asleep", "which app did Jordan suggest for the sleepless nights?", ["Insight Timer"]),
    ("Talked to doctor about insomnia", "who is Sam being referred to for CBT?", ["Dr. Hwang"]),
    ("Cutting caffeine after noon", "what tea did Sam switch to in the afternoons?", ["rooibos"]),
    ("Sleep study results", "what was Sam's AHI on the home test?", ["2.1"]),
    ("Building raised garden beds", "where did the soil mix for the cedar beds come from?", ["Mt. Scott Topsoil"]),
    ("Planting tomato seedlings", "which nursery sold the Cherokee Purple and Sungold starts?", ["Portland Nursery"]),
    ("Aphids on the kale", "how many ladybugs did Sam order?", ["1,500 ladybugs"]),
    ("First big harvest", "which neighbours got the zucchini?", ["Nakamuras"]),
    ("Mom's hip replacement scheduled", "who is doing the hip surgery and what time is check-in?", ["Dr. Lindqvist", "5:30"]),
    ("Waiting room during Mom's surgery", "what's the name of the sister who waited at the hospital with Sam?", ["Lena"]),
    ("Mom's first week home after surgery", "which home health nurse visits after the hip operation?", ["Abebe"]),
    ("Flat tire on the way to work", "which tire shop quoted the replacement and for how much?", ["Les Schwab", "$164"]),
    ("Dad's 65th birthday dinner", "what did Dad order at the steakhouse?", ["porterhouse"]),
    ("Refinancing the mortgage", "what rate could the loan officer lock?", ["5.875 percent"]),
    ("Customer call with Brightpath", "which identity provider does the enterprise prospect use for SSO?", ["Okta"]),
    ("Production outage postmortem", "where did the traffic spike that exhausted the database connections come from?", ["Hacker News"]),
    ("Phone screen cracked", "which repair shop quoted the new screen?", ["uBreakiFix"]),
    ("Disputing a credit card charge", "which gym kept billing Sam after cancelling?", ["Crunch Fitness"]),
    ("Anniversary dinner with Jordan", "what's the French bistro on Alberta called?", ["Chez Margaux"]),
    ("Coffee with an old college friend", "what are Ben's twin boys called?", ["Ezra", "Felix"]),
    ("Brewery trivia night", "what is Sam's trivia team called?", ["Quizteama Aguilera"]),
]
